//===- Validation.cpp - Structural checks on ONNX graphs ------------------===//

#include "frontend/Validation.h"

#include "frontend/AttributeImporter.h"
#include "frontend/Importer.h"
#include "frontend/OpRegistry.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringSet.h"

#include "onnx/defs/schema.h"

using namespace mlir;
using kiln::onnxpb::AttributeProto;

namespace kiln::frontend {

std::string nodeLabel(const onnxpb::NodeProto &node, int index) {
  return node.name().empty() ? "#" + std::to_string(index) + " (" + node.op_type() + ")"
                             : node.name();
}

std::string describeNode(const onnxpb::NodeProto &node, int index) {
  if (node.name().empty())
    return "node " + nodeLabel(node, index);
  return "node '" + node.name() + "' (" + node.op_type() + ")";
}

LogicalResult GraphIndex::build(const onnxpb::GraphProto &graph, const ErrorSite &site,
                                llvm::function_ref<ErrorSite(int)> nodeSite) {
  llvm::StringSet<> defined;
  for (const auto &input : graph.input()) {
    if (!defined.insert(input.name()).second)
      return site.emit() << "graph input '" << input.name() << "' is declared twice", failure();
  }
  // Initializers may repeat a graph input (an overridable default value).
  llvm::StringSet<> initializers;
  for (const auto &init : graph.initializer()) {
    if (!initializers.insert(init.name()).second)
      return site.emit() << "initializer '" << init.name() << "' is defined twice", failure();
    defined.insert(init.name());
  }
  for (int i = 0, e = graph.node_size(); i < e; ++i) {
    for (const std::string &out : graph.node(i).output()) {
      if (out.empty())
        continue;
      if (!defined.insert(out).second)
        return nodeSite(i).emit() << "output '" << out << "' is already defined in this graph",
               failure();
      producers[out] = i;
    }
  }
  return success();
}

ErrorSite nodeErrorSite(MLIRContext &ctx, const onnxpb::NodeProto &node, int index) {
  return {NameLoc::get(StringAttr::get(&ctx, nodeLabel(node, index))),
          describeNode(node, index) + ": "};
}

namespace {
/// Names defined so far in a graph, chained to the enclosing graphs.
struct NameScope {
  llvm::StringSet<> names;
  const NameScope *parent = nullptr;

  bool contains(StringRef name) const {
    for (const NameScope *s = this; s; s = s->parent)
      if (s->names.contains(name))
        return true;
    return false;
  }
};
} // namespace

static LogicalResult checkNames(const onnxpb::GraphProto &graph, const ImportEnv &env,
                                const NameScope *outer) {
  NameScope scope;
  scope.parent = outer;
  for (const auto &input : graph.input())
    scope.names.insert(input.name());
  for (const auto &init : graph.initializer())
    scope.names.insert(init.name());
  GraphIndex index;
  auto nodeSite = [&](int i) { return nodeErrorSite(env.ctx, graph.node(i), i); };
  ErrorSite graphSite{env.fileLoc(), "graph '" + graph.name() + "': "};
  if (failed(index.build(graph, graphSite, nodeSite)))
    return failure();
  for (int i = 0, e = graph.node_size(); i < e; ++i) {
    const auto &node = graph.node(i);
    for (const std::string &input : node.input()) {
      if (input.empty() || scope.contains(input))
        continue;
      reportUndefinedInput(graph, index, input, nodeSite(i));
      return failure();
    }
    for (const auto &attr : node.attribute()) {
      if (attr.has_g() && failed(checkNames(attr.g(), env, &scope)))
        return failure();
      for (const auto &g : attr.graphs())
        if (failed(checkNames(g, env, &scope)))
          return failure();
    }
    for (const std::string &output : node.output())
      if (!output.empty())
        scope.names.insert(output);
  }
  for (const auto &output : graph.output())
    if (!scope.contains(output.name()))
      return graphSite.emit() << "graph output '" << output.name() << "' is not defined", failure();
  return success();
}

int64_t newestIrVersion() { return onnxpb::Version::IR_VERSION; }
int64_t newestDefaultOpset() { return newestOpset("").value_or(0); }

LogicalResult checkModelVersions(const onnxpb::ModelProto &model, const ImportEnv &env) {
  constexpr int64_t kNewestIrVersion = onnxpb::Version::IR_VERSION;
  if (model.ir_version() > kNewestIrVersion)
    return env.fileError() << "'" << env.sourceName << "' has IR version " << model.ir_version()
                           << ", newer than the newest Kiln supports (" << kNewestIrVersion << ")",
           failure();
  for (const auto &opset : model.opset_import()) {
    StringRef domain = normalizeDomain(opset.domain());
    std::optional<int64_t> newest = newestOpset(domain);
    if (newest && opset.version() > *newest)
      return env.fileError() << "'" << env.sourceName << "' imports opset " << opset.version()
                             << " of domain '" << (domain.empty() ? "ai.onnx" : domain)
                             << "', newer than the newest Kiln supports (" << *newest << ")",
             failure();
  }
  return success();
}

LogicalResult checkGraphNames(const onnxpb::GraphProto &graph, const ImportEnv &env) {
  return checkNames(graph, env, nullptr);
}

LogicalResult checkNodeSignature(const onnxpb::NodeProto &node, const OpSignature &sig,
                                 const ErrorSite &site) {
  unsigned numInputs = node.input_size(), numOutputs = node.output_size();
  if (!sig.lastInputVariadic && numInputs > sig.numInputs)
    return site.emit() << "has " << numInputs << " inputs but '" << sig.mlirName
                       << "' takes at most " << sig.numInputs,
           failure();
  if (!sig.lastOutputVariadic && numOutputs > sig.numOutputs)
    return site.emit() << "has " << numOutputs << " outputs but '" << sig.mlirName
                       << "' produces at most " << sig.numOutputs,
           failure();

  llvm::StringSet<> seen;
  for (const auto &attr : node.attribute()) {
    if (!seen.insert(attr.name()).second)
      return site.emit() << "attribute '" << attr.name() << "' is given twice", failure();
    bool isRegion = llvm::is_contained(sig.regionAttrNames, attr.name());
    bool isGraph = attributeKind(attr) == AttributeProto::GRAPH;
    if (isRegion && !isGraph)
      return site.emit() << "attribute '" << attr.name() << "' must be a graph", failure();
    if (isGraph && !isRegion)
      return site.emit() << "unexpected graph attribute '" << attr.name() << "'", failure();
  }
  // Missing graph attributes are left as empty regions: some are optional
  // (FlexAttention's score_mod) and the dialect's verifier knows which.
  return success();
}

LogicalResult checkTypeParameters(const onnxpb::NodeProto &node, StringRef domain,
                                  int64_t sinceVersion, ValueRange operands,
                                  const ErrorSite &site) {
  const onnx::OpSchema *schema = nullptr;
  try {
    schema = onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(sinceVersion),
                                            domain.str());
  } catch (...) {
    return success();
  }
  if (!schema || schema->SinceVersion() != sinceVersion || schema->inputs().empty())
    return success();
  const auto &formals = schema->inputs();
  const auto &params = schema->typeConstraintParams();
  // The first input bound to each type parameter: its index and element type.
  llvm::StringMap<std::pair<int, Type>> first;
  for (int i = 0, e = std::min<int>(node.input_size(), operands.size()); i < e; ++i) {
    size_t f = std::min<size_t>(i, formals.size() - 1);
    if (f != static_cast<size_t>(i) &&
        formals[f].GetOption() != onnx::OpSchema::FormalParameterOption::Variadic)
      break; // more inputs than the schema has: checkNodeSignature's business
    const std::string &param = formals[f].GetTypeStr();
    bool isParam = llvm::any_of(params, [&](const auto &p) { return p.type_param_str == param; });
    // A heterogeneous variadic tail (Loop's carried values) binds each input separately.
    if (!isParam || node.input(i).empty() ||
        (f != static_cast<size_t>(i) && !formals[f].GetIsHomogeneous()))
      continue;
    auto tensor = dyn_cast<TensorType>(operands[i].getType());
    if (!tensor)
      continue;
    auto [it, inserted] = first.try_emplace(param, i, tensor.getElementType());
    if (inserted || it->second.second == tensor.getElementType())
      continue;
    int j = it->second.first;
    return site.emit() << "input '" << node.input(i) << "' has element type "
                       << tensor.getElementType() << " but input '" << node.input(j)
                       << "' has " << it->second.second << ": " << node.op_type()
                       << "'s inputs " << j << " and " << i << " are both of type " << param,
           failure();
  }
  return success();
}

void reportUndefinedInput(const onnxpb::GraphProto &graph, const GraphIndex &index, StringRef input,
                          const ErrorSite &site) {
  int producer = index.producerOf(input);
  if (producer >= 0) {
    site.emit() << "input '" << input << "' is produced by a later "
                << describeNode(graph.node(producer), producer)
                << ": the graph is not topologically sorted";
    return;
  }
  site.emit() << "input '" << input << "' is not defined";
}

} // namespace kiln::frontend
