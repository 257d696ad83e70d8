//===- ModelFiles.cpp - The external-data files of a model ----------------===//
//
// Lists the files a model's EXTERNAL tensors name, so kilnc can refuse to write its
// output over one of them. Uses the frontend's own parser and proto classes (in
// libKiln), which is why this file is compiled with exceptions and RTTI.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelLoader.h"
#include "tools/kilnc/OutputFile.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;
namespace pb = kiln::onnxpb;

namespace kiln {
namespace {
struct Collector {
  StringRef dir;
  std::vector<std::string> files;

  void tensor(const pb::TensorProto &t) {
    if (t.data_location() != pb::TensorProto::EXTERNAL)
      return;
    for (const pb::StringStringEntryProto &entry : t.external_data()) {
      if (entry.key() != "location")
        continue;
      // The importer resolves locations against the model's folder the same way.
      SmallString<128> path(dir);
      sys::path::append(path, entry.value());
      files.push_back(std::string(path));
    }
  }
  void sparse(const pb::SparseTensorProto &s) {
    tensor(s.values());
    tensor(s.indices());
  }
  void node(const pb::NodeProto &n) {
    for (const pb::AttributeProto &a : n.attribute()) {
      tensor(a.t());
      for (const pb::TensorProto &t : a.tensors())
        tensor(t);
      sparse(a.sparse_tensor());
      for (const pb::SparseTensorProto &s : a.sparse_tensors())
        sparse(s);
      graph(a.g());
      for (const pb::GraphProto &g : a.graphs())
        graph(g);
    }
  }
  void graph(const pb::GraphProto &g) {
    for (const pb::TensorProto &t : g.initializer())
      tensor(t);
    for (const pb::SparseTensorProto &s : g.sparse_initializer())
      sparse(s);
    for (const pb::NodeProto &n : g.node())
      node(n);
  }
};
} // namespace

std::vector<std::string> externalDataFiles(StringRef modelPath) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> bytes =
      MemoryBuffer::getFile(modelPath, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  // Every external-data entry holds the key "location"; a model without those bytes
  // has none, and large models with embedded weights are not parsed twice.
  if (!bytes || !(*bytes)->getBuffer().contains("location"))
    return {};
  pb::ModelProto model;
  if (failed(frontend::parseModelBinary((*bytes)->getBuffer(), model)))
    return {}; // text syntax (no external data) or not a model: the import says so
  Collector collector{sys::path::parent_path(modelPath), {}};
  collector.graph(model.graph());
  for (const pb::FunctionProto &f : model.functions())
    for (const pb::NodeProto &n : f.node())
      collector.node(n);
  return std::move(collector.files);
}

} // namespace kiln
