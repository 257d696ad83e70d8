//===- ModelLoader.cpp - Bytes/text -> ModelProto, libonnx passes ---------===//
//
// libonnx 1.12 has its own compiled onnx::ModelProto; the importer uses the
// newer kiln::onnxpb::ModelProto. Models cross between the two as serialized
// bytes, which keeps fields libonnx does not know (newer types) intact.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelLoader.h"

#include "onnx/checker.h"
#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

#include "llvm/ADT/StringMap.h"

#include <google/protobuf/io/coded_stream.h>

#include <climits>
#include <exception>
#include <vector>

// Defined and exported by libonnx 1.12 but missing from its header. It is the
// only checker entry that takes a context, which carries the model's folder
// (external data files are checked relative to it).
namespace onnx::checker {
void check_model(const ModelProto &model, CheckerContext &ctx);
} // namespace onnx::checker

using namespace mlir;

namespace kiln::frontend {

/// libonnx's version converter only targets opsets it knows; 17 is its last.
constexpr int kLibOnnxOpset = 17;

LogicalResult parseModelBinary(StringRef bytes, onnxpb::ModelProto &model) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return failure(); // Protobuf cannot parse messages over 2 GiB.
  try {
    google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t *>(bytes.data()),
                                                  static_cast<int>(bytes.size()));
    stream.SetTotalBytesLimit(INT_MAX);
    return success(model.ParseFromCodedStream(&stream) && stream.ConsumedEntireMessage());
  } catch (...) {
    return failure();
  }
}

LogicalResult parseModelText(StringRef text, onnxpb::ModelProto &model, const ImportEnv &env) {
  try {
    onnx::ModelProto parsed;
    std::string source = text.str(); // The parser wants a NUL-terminated string.
    onnx::Status status = onnx::OnnxParser::Parse(parsed, source.c_str());
    if (!status.IsOK())
      return env.fileError() << "cannot parse '" << env.sourceName
                             << "' as ONNX text: " << status.ErrorMessage(),
             failure();
    std::string bytes;
    if (!parsed.SerializeToString(&bytes) || !model.ParseFromString(bytes))
      return env.fileError() << "cannot convert the parsed model '" << env.sourceName << "'",
             failure();
    return success();
  } catch (const std::exception &e) {
    return env.fileError() << "cannot parse '" << env.sourceName << "' as ONNX text: " << e.what(),
           failure();
  } catch (...) {
    return env.fileError() << "cannot parse '" << env.sourceName << "' as ONNX text", failure();
  }
}

bool looksLikeOnnxText(StringRef content) {
  while (true) {
    content = content.ltrim();
    if (!content.consume_front("#"))
      break;
    content = content.drop_until([](char c) { return c == '\n'; });
  }
  return content.starts_with("<");
}

/// True when libonnx knows the model's IR version and every opset it imports. Models
/// saved by a newer onnx carry a newer IR version even at an old opset; libonnx 1.12's
/// checker would reject them, so Kiln validates those itself.
static bool libOnnxKnowsOpsets(const onnxpb::ModelProto &model) {
  const auto &ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  if (model.opset_import_size() == 0 || model.ir_version() > onnx::IR_VERSION)
    return false;
  for (const auto &opset : model.opset_import()) {
    std::string domain = normalizeDomain(opset.domain()).str();
    auto it = ranges.find(domain);
    if (it == ranges.end() || opset.version() < it->second.first ||
        opset.version() > it->second.second)
      return false;
    if (domain.empty() && opset.version() > kLibOnnxOpset)
      return false;
  }
  return true;
}

static int64_t defaultOpset(const onnx::ModelProto &model) {
  for (const auto &opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return -1;
}

/// Collects the names of typed graph inputs/outputs in `graph` and its
/// subgraphs; `typed` says whether the TypeProto is set.
static void collectInterfaceTypes(const onnx::GraphProto &graph, llvm::StringMap<bool> &typed) {
  auto add = [&](const onnx::ValueInfoProto &vi) {
    typed[vi.name()] |= vi.has_type() && vi.type().value_case() != onnx::TypeProto::VALUE_NOT_SET;
  };
  for (const auto &vi : graph.input())
    add(vi);
  for (const auto &vi : graph.output())
    add(vi);
  for (const auto &node : graph.node())
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        collectInterfaceTypes(attr.g(), typed);
      for (const auto &g : attr.graphs())
        collectInterfaceTypes(g, typed);
    }
}

/// libonnx 1.12's version converter rebuilds the graph in its own IR, which
/// only models tensor types: sequence/optional/map inputs come back untyped.
/// True when `converted` lost a type `original` had.
static bool conversionLostTypes(const onnx::ModelProto &original,
                                const onnx::ModelProto &converted) {
  llvm::StringMap<bool> before, after;
  collectInterfaceTypes(original.graph(), before);
  collectInterfaceTypes(converted.graph(), after);
  for (const auto &entry : before) {
    auto it = after.find(entry.getKey());
    if (entry.getValue() && it != after.end() && !it->second)
      return true;
  }
  return false;
}

/// The converter's IR drops external-data references (the tensor comes back
/// empty). Puts the original initializers back for those.
static void restoreExternalInitializers(const onnx::ModelProto &original,
                                        onnx::ModelProto &converted) {
  llvm::StringMap<const onnx::TensorProto *> external;
  for (const auto &init : original.graph().initializer())
    if (init.data_location() == onnx::TensorProto::EXTERNAL)
      external[init.name()] = &init;
  if (external.empty())
    return;
  for (auto &init : *converted.mutable_graph()->mutable_initializer()) {
    auto it = external.find(init.name());
    if (it != external.end())
      init = *it->second;
  }
}

namespace {
/// Gives every unnamed node (in subgraphs too) a placeholder name while the
/// checker runs, so that its messages can say "node #3 (LayerNormalization)"
/// instead of "Node ()". The destructor restores the empty names, which the
/// later passes and the importer rely on.
class CheckerNodeNames {
public:
  explicit CheckerNodeNames(onnx::GraphProto &graph) { nameNodes(graph); }
  ~CheckerNodeNames() {
    for (onnx::NodeProto *node : renamed)
      node->clear_name();
  }

  /// `message` as one line that starts with the node: libonnx puts the node
  /// last ("<what>\n\n==> Context: Bad node spec for node. Name: <name>
  /// OpType: <type>"), and calls unnamed ones by their placeholder.
  std::string rewrite(std::string message) const {
    static const std::string context = "==> Context: Bad node spec for node. Name: ";
    size_t pos = message.find(context);
    size_t typePos = pos == std::string::npos ? pos : message.find(" OpType: ", pos);
    if (typePos != std::string::npos) {
      std::string name = message.substr(pos + context.size(), typePos - pos - context.size());
      std::string opType = StringRef(message).substr(typePos + 9).trim().str();
      message = describe(name, opType) + ": " + StringRef(message).take_front(pos).trim().str();
    }
    for (size_t i = 0; i < renamed.size(); ++i) {
      replaceAll(message, "Node (" + marker(i) + ")", "node " + label(i));
      replaceAll(message, marker(i), label(i));
    }
    for (char &c : message)
      if (c == '\n')
        c = ' ';
    return message;
  }

private:
  std::string label(size_t i) const {
    return "#" + std::to_string(indices[i]) + " (" + renamed[i]->op_type() + ")";
  }

  std::string describe(const std::string &name, const std::string &opType) const {
    for (size_t i = 0; i < renamed.size(); ++i)
      if (name == marker(i))
        return "node " + label(i);
    return "node '" + name + "' (" + opType + ")";
  }

  static std::string marker(size_t i) { return "\x01kiln-node-" + std::to_string(i) + "\x01"; }

  static void replaceAll(std::string &text, const std::string &from, const std::string &to) {
    for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
      text.replace(pos, from.size(), to);
      pos += to.size();
    }
  }

  void nameNodes(onnx::GraphProto &graph) {
    for (int i = 0, e = graph.node_size(); i < e; ++i) {
      onnx::NodeProto *node = graph.mutable_node(i);
      if (node->name().empty()) {
        node->set_name(marker(renamed.size()));
        renamed.push_back(node);
        indices.push_back(i);
      }
      for (auto &attr : *node->mutable_attribute()) {
        if (attr.has_g())
          nameNodes(*attr.mutable_g());
        for (auto &g : *attr.mutable_graphs())
          nameNodes(g);
      }
    }
  }

  std::vector<onnx::NodeProto *> renamed;
  std::vector<int> indices;
};
} // namespace

LogicalResult runLibOnnxPasses(onnxpb::ModelProto &model, const ImportOptions &opts,
                               const ImportEnv &env, function_ref<LogicalResult()> kilnChecks) {
  if (!opts.runChecker && !opts.runShapeInference && !opts.convertVersion)
    return success();
  if (!libOnnxKnowsOpsets(model))
    return success();
  onnx::ModelProto onnxModel;
  try {
    std::string bytes;
    if (!model.SerializeToString(&bytes) || !onnxModel.ParseFromString(bytes))
      return success(); // libonnx cannot represent it; import it unchecked.
  } catch (...) {
    return success();
  }

  // libonnx 1.12 dereferences attributes and shapes without checking them all
  // (shape inference crashed on LayerNormalization with axis = -2^31): let
  // Kiln's own checks see the model first.
  if (failed(kilnChecks()))
    return failure();
  if (opts.runChecker) {
    CheckerNodeNames names(*onnxModel.mutable_graph());
    try {
      onnx::checker::CheckerContext checkerCtx;
      checkerCtx.set_model_dir(env.baseDir);
      onnx::checker::check_model(onnxModel, checkerCtx);
    } catch (const std::exception &e) {
      return env.fileError() << "'" << env.sourceName
                             << "' is not a valid ONNX model: " << names.rewrite(e.what()),
             failure();
    } catch (...) {
      return env.fileError() << "'" << env.sourceName << "' is not a valid ONNX model", failure();
    }
  }
  bool changed = false;
  if (opts.convertVersion && defaultOpset(onnxModel) >= 1 &&
      defaultOpset(onnxModel) < kLibOnnxOpset) {
    // The dialect keeps old op signatures, so a failed conversion is fine.
    try {
      onnx::ModelProto converted =
          onnx::version_conversion::ConvertVersion(onnxModel, kLibOnnxOpset);
      if (!conversionLostTypes(onnxModel, converted)) {
        restoreExternalInitializers(onnxModel, converted);
        onnxModel = std::move(converted);
        changed = true;
      }
    } catch (...) {
    }
  }
  if (opts.runShapeInference) {
    // Work on a copy: a half-finished inference must not leak into the model.
    onnx::ModelProto inferred = onnxModel;
    try {
      onnx::shape_inference::InferShapes(inferred);
      onnxModel = std::move(inferred);
      changed = true;
    } catch (...) {
    }
  }
  if (!changed)
    return success();
  try {
    std::string bytes;
    onnxpb::ModelProto result;
    if (onnxModel.SerializeToString(&bytes) && result.ParseFromString(bytes))
      model = std::move(result);
  } catch (...) {
  }
  return success();
}

} // namespace kiln::frontend
