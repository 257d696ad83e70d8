//===- StructureMutator.cpp - ModelProto-aware libFuzzer mutator ----------===//
//
// Byte flips rarely get past protobuf parsing into the parts of the importer
// that matter (attribute ranges, shapes, edges, versions, external data), so
// this mutator parses the input as a ModelProto and changes one field with a
// value chosen to hit boundaries: INT64_MIN, 2^31 - 1, a rank plus one, an
// empty name. Inputs that do not parse (and ONNX text) get libFuzzer's own
// byte mutation.
//
//===----------------------------------------------------------------------===//

#include "frontend/proto/kiln_onnx.pb.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace kiln::onnxpb;

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

using Rng = std::minstd_rand;

// Tables, not one value per line:
// clang-format off
constexpr int64_t kInteresting[] = {
    0, 1, -1, 2, -2, 3, 4, 7, 8, 16, 255, 256, 1024, 65535, 65536,
    std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(),
    int64_t(1) << 31, int64_t(1) << 32, int64_t(1) << 40, int64_t(1) << 62,
    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
    std::numeric_limits<int64_t>::min() + 1};

/// Attribute names ops read as integers or lists; adding one to a node that
/// did not have it reaches the attribute handling of more ops.
const char *const kIntAttrNames[] = {
    "axis", "axes", "perm", "kernel_shape", "pads", "strides", "dilations", "group",
    "to", "keepdims", "num_outputs", "split", "k", "batch_dims", "output_shape",
    "output_padding", "ceil_mode", "blocksize", "num_scan_inputs", "stash_type", "largest"};
const char *const kOpTypes[] = {
    "Add", "Conv", "AveragePool", "MaxPool", "LayerNormalization", "Reshape", "Transpose",
    "Concat", "Split", "Slice", "Gather", "Softmax", "Flatten", "Squeeze", "Unsqueeze",
    "ReduceSum", "ArgMax", "TopK", "Expand", "Tile", "Pad", "Resize", "ConstantOfShape",
    "Gemm", "MatMul", "Einsum", "CumSum", "OneHot", "GatherND", "ScatterND", "DepthToSpace",
    "Cast", "If", "Loop", "Identity", "Range", "Shape", "Size", "GroupNormalization"};
// clang-format on

template <typename T> T pick(Rng &rng, size_t n) {
  return static_cast<T>(std::uniform_int_distribution<size_t>(0, n - 1)(rng));
}

int64_t interesting(Rng &rng) {
  if (rng() % 4 == 0)
    return static_cast<int64_t>(rng() % 64) - 32;
  return kInteresting[pick<size_t>(rng, std::size(kInteresting))];
}

/// Every graph of the model: the main graph and each subgraph, recursively.
void collectGraphs(GraphProto *graph, std::vector<GraphProto *> &out) {
  out.push_back(graph);
  for (NodeProto &node : *graph->mutable_node())
    for (AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        collectGraphs(attr.mutable_g(), out);
      for (GraphProto &g : *attr.mutable_graphs())
        collectGraphs(&g, out);
    }
}

/// The value names a graph defines or uses: candidates for rewired edges.
std::vector<std::string> valueNames(const GraphProto &graph) {
  std::vector<std::string> names;
  for (const auto &vi : graph.input())
    names.push_back(vi.name());
  for (const auto &init : graph.initializer())
    names.push_back(init.name());
  for (const auto &node : graph.node())
    for (const auto &out : node.output())
      names.push_back(out);
  return names;
}

void mutateInts(google::protobuf::RepeatedField<int64_t> &ints, Rng &rng) {
  switch (rng() % 4) {
  case 0:
    if (!ints.empty()) {
      ints.Set(pick<int>(rng, ints.size()), interesting(rng));
      return;
    }
    [[fallthrough]];
  case 1:
    ints.Add(interesting(rng));
    return;
  case 2:
    if (!ints.empty())
      ints.RemoveLast();
    return;
  default:
    ints.Clear();
    for (int i = 0, n = rng() % 5; i < n; ++i)
      ints.Add(interesting(rng));
  }
}

void mutateAttribute(AttributeProto &attr, Rng &rng) {
  switch (rng() % 6) {
  case 0:
    attr.set_i(interesting(rng));
    if (!attr.has_type())
      attr.set_type(AttributeProto::INT);
    return;
  case 1:
    mutateInts(*attr.mutable_ints(), rng);
    return;
  case 2:
    attr.set_f(rng() % 2 ? -1.0f : static_cast<float>(interesting(rng)));
    return;
  case 3: {
    const char *strings[] = {"", "NOTSET", "SAME_UPPER", "VALID", "bogus", "linear", "constant"};
    attr.set_s(strings[pick<size_t>(rng, std::size(strings))]);
    return;
  }
  case 4:
    // A type that disagrees with the field set.
    attr.set_type(static_cast<AttributeProto::AttributeType>(rng() % 15));
    return;
  default:
    if (attr.has_t())
      mutateInts(*attr.mutable_t()->mutable_dims(), rng);
    else
      attr.set_name(kIntAttrNames[pick<size_t>(rng, std::size(kIntAttrNames))]);
  }
}

void mutateShape(TypeProto &type, Rng &rng) {
  if (!type.has_tensor_type()) {
    type.mutable_tensor_type()->set_elem_type(TensorProto::FLOAT);
    return;
  }
  TypeProto::Tensor &tensor = *type.mutable_tensor_type();
  if (rng() % 4 == 0) {
    tensor.set_elem_type(static_cast<int32_t>(rng() % 28));
    return;
  }
  auto &dims = *tensor.mutable_shape()->mutable_dim();
  switch (rng() % 4) {
  case 0:
    if (!dims.empty()) {
      dims.Mutable(pick<int>(rng, dims.size()))->set_dim_value(interesting(rng));
      return;
    }
    [[fallthrough]];
  case 1:
    tensor.mutable_shape()->add_dim()->set_dim_value(interesting(rng));
    return;
  case 2:
    if (!dims.empty())
      dims.RemoveLast();
    return;
  default:
    if (!dims.empty())
      dims.Mutable(pick<int>(rng, dims.size()))->set_dim_param("N");
  }
}

void mutateInitializer(TensorProto &tensor, Rng &rng) {
  switch (rng() % 5) {
  case 0:
    mutateInts(*tensor.mutable_dims(), rng);
    return;
  case 1:
    tensor.set_data_type(static_cast<int32_t>(rng() % 28));
    return;
  case 2: {
    std::string *raw = tensor.mutable_raw_data();
    if (rng() % 2 && !raw->empty())
      raw->resize(pick<size_t>(rng, raw->size()));
    else
      raw->append(rng() % 16, '\x7f');
    return;
  }
  case 3: {
    // External data: the importer must refuse it without a base folder, and
    // its parsing of offsets and lengths is worth reaching.
    tensor.set_data_location(TensorProto::EXTERNAL);
    tensor.clear_raw_data();
    const char *keys[] = {"location", "offset", "length"};
    const char *values[] = {"w.bin",
                            "../w.bin",
                            "/etc/passwd",
                            "-1",
                            "18446744073709551615",
                            "0",
                            "99999999999999999999"};
    for (const char *key : keys) {
      auto *entry = tensor.add_external_data();
      entry->set_key(key);
      entry->set_value(values[pick<size_t>(rng, std::size(values))]);
    }
    return;
  }
  default:
    tensor.add_int64_data(interesting(rng));
  }
}

/// Applies one structural change to `model`.
void mutateModel(ModelProto &model, Rng &rng) {
  std::vector<GraphProto *> graphs;
  collectGraphs(model.mutable_graph(), graphs);
  GraphProto &graph = *graphs[pick<size_t>(rng, graphs.size())];
  int nodeIndex = graph.node_size() ? pick<int>(rng, graph.node_size()) : -1;
  NodeProto *node = nodeIndex >= 0 ? graph.mutable_node(nodeIndex) : nullptr;
  switch (rng() % 10) {
  case 0: // An existing attribute.
    if (node && node->attribute_size()) {
      mutateAttribute(*node->mutable_attribute(pick<int>(rng, node->attribute_size())), rng);
      return;
    }
    [[fallthrough]];
  case 1: // A new integer attribute.
    if (node) {
      AttributeProto *attr = node->add_attribute();
      attr->set_name(kIntAttrNames[pick<size_t>(rng, std::size(kIntAttrNames))]);
      if (rng() % 2) {
        attr->set_type(AttributeProto::INT);
        attr->set_i(interesting(rng));
      } else {
        attr->set_type(AttributeProto::INTS);
        mutateInts(*attr->mutable_ints(), rng);
      }
    }
    return;
  case 2: { // Shapes and element types of graph inputs, outputs, value_info.
    auto &list = rng() % 3 == 0   ? *graph.mutable_output()
                 : rng() % 2 == 0 ? *graph.mutable_value_info()
                                  : *graph.mutable_input();
    if (!list.empty())
      mutateShape(*list.Mutable(pick<int>(rng, list.size()))->mutable_type(), rng);
    return;
  }
  case 3: // Edges: rewire, empty or dangle an input, rename an output.
    if (node) {
      std::vector<std::string> names = valueNames(graph);
      if (rng() % 4 == 0 || node->input_size() == 0) {
        node->add_input(names.empty() ? "x" : names[pick<size_t>(rng, names.size())]);
      } else {
        std::string &in = *node->mutable_input(pick<int>(rng, node->input_size()));
        int choice = rng() % 4;
        in = choice == 0     ? ""
             : choice == 1   ? "undefined_value"
             : names.empty() ? in
                             : names[pick<size_t>(rng, names.size())];
      }
      if (rng() % 8 == 0 && node->output_size())
        node->mutable_output(0)->assign(names.empty() ? "" : names.front());
    }
    return;
  case 4: // Op type and domain.
    if (node) {
      if (rng() % 5 == 0)
        node->set_domain(rng() % 2 ? "ai.onnx.ml" : "com.example");
      else
        node->set_op_type(kOpTypes[pick<size_t>(rng, std::size(kOpTypes))]);
    }
    return;
  case 5: // IR version and opsets.
    if (rng() % 3 == 0) {
      model.set_ir_version(rng() % 2 ? interesting(rng) : static_cast<int64_t>(rng() % 16));
    } else if (model.opset_import_size() && rng() % 4) {
      auto *opset = model.mutable_opset_import(pick<int>(rng, model.opset_import_size()));
      opset->set_version(rng() % 2 ? static_cast<int64_t>(rng() % 30) : interesting(rng));
    } else {
      auto *opset = model.add_opset_import();
      opset->set_domain(rng() % 2 ? "" : "ai.onnx.ml");
      opset->set_version(static_cast<int64_t>(rng() % 30));
    }
    return;
  case 6: // Initializer sizes, types and storage.
    if (graph.initializer_size()) {
      mutateInitializer(*graph.mutable_initializer(pick<int>(rng, graph.initializer_size())), rng);
      return;
    }
    [[fallthrough]];
  case 7: // Tensor-valued attributes (Constant's value) the same way.
    if (node)
      for (AttributeProto &attr : *node->mutable_attribute())
        if (attr.has_t()) {
          mutateInitializer(*attr.mutable_t(), rng);
          return;
        }
    return;
  case 8: // Drop or duplicate a node.
    if (node) {
      if (rng() % 2)
        *graph.add_node() = NodeProto(*node);
      else
        graph.mutable_node()->DeleteSubrange(nodeIndex, 1);
    }
    return;
  default: // Names: unnamed and duplicate node names.
    if (node)
      node->set_name(rng() % 2 ? "" : "n");
  }
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  Rng rng(seed);
  ModelProto model;
  // One in eight mutations stays byte-level, so the parser itself keeps being
  // fuzzed and inputs can drift into shapes no structured change reaches.
  if (rng() % 8 == 0 || (size && data[0] == '<') ||
      !model.ParseFromArray(data, static_cast<int>(size)) || !model.has_graph())
    return LLVMFuzzerMutate(data, size, maxSize);
  for (int i = 0, n = 1 + rng() % 3; i < n; ++i)
    mutateModel(model, rng);
  std::string bytes;
  if (!model.SerializeToString(&bytes) || bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
