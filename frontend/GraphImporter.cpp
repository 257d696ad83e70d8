//===- GraphImporter.cpp - ONNX graphs -> func.func / regions -------------===//

#include "frontend/GraphImporter.h"

#include "frontend/AttributeImporter.h"
#include "frontend/OpRegistry.h"
#include "frontend/ResultTypes.h"
#include "frontend/TensorImporter.h"
#include "frontend/TypeImporter.h"
#include "frontend/Validation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace kiln::onnxpb;

namespace kiln::frontend {
namespace {

/// Names visible in one graph, chained to the enclosing graph's scope so that
/// subgraphs can capture outer values by name.
struct Scope {
  const GraphProto &graph;
  Scope *parent = nullptr;
  llvm::StringMap<Value> values;
  /// Declared types of this graph's values (outputs and value_info).
  llvm::StringMap<const TypeProto *> declared;
  GraphIndex index;
  /// The graph's lazily created "onnx.NoValue".
  Value noValue;

  Scope(const GraphProto &graph, Scope *parent) : graph(graph), parent(parent) {
    for (const auto &vi : graph.value_info())
      declared[vi.name()] = &vi.type();
    // Graph outputs win over value_info: they are the interface.
    for (const auto &out : graph.output())
      if (out.has_type())
        declared[out.name()] = &out.type();
  }

  Value lookup(StringRef name) const {
    for (const Scope *s = this; s; s = s->parent) {
      auto it = s->values.find(name);
      if (it != s->values.end())
        return it->second;
    }
    return {};
  }
};

class GraphImporter {
public:
  GraphImporter(const OpsetMap &opsets, ImportEnv &env)
      : opsets(opsets), env(env), ctx(env.ctx), builder(&env.ctx) {}

  LogicalResult importMain(const GraphProto &graph, ModuleOp module);

private:
  LogicalResult importInitializers(Scope &scope, OpBuilder &b);
  LogicalResult importNodes(Scope &scope, OpBuilder &b);
  LogicalResult importNode(const NodeProto &node, int index, Scope &scope, OpBuilder &b);
  LogicalResult importSubgraph(const GraphProto &graph, Region &region, Scope &parent,
                               const NodeProto &owner, StringRef ownerOp, ValueRange ownerOperands,
                               const ErrorSite &site);
  Value noValue(Scope &scope, OpBuilder &b, Location loc);

  ErrorSite nodeSite(const NodeProto &node, int index) const {
    return nodeErrorSite(ctx, node, index);
  }
  Location nameLoc(StringRef name) const { return NameLoc::get(StringAttr::get(&ctx, name)); }

  const OpsetMap &opsets;
  ImportEnv &env;
  MLIRContext &ctx;
  Builder builder;
};

} // namespace

Value GraphImporter::noValue(Scope &scope, OpBuilder &b, Location loc) {
  // One NoValue per block; created at the first use, so it dominates the rest.
  if (scope.noValue)
    return scope.noValue;
  OperationState state(loc, "onnx.NoValue");
  state.addTypes(builder.getNoneType());
  scope.noValue = b.create(state)->getResult(0);
  return scope.noValue;
}

LogicalResult GraphImporter::importInitializers(Scope &scope, OpBuilder &b) {
  for (const TensorProto &init : scope.graph.initializer()) {
    Location loc = nameLoc(init.name());
    FailureOr<ElementsAttr> value = importTensor(init, env, {loc, ""});
    if (failed(value))
      return failure();
    OperationState state(loc, "onnx.Constant");
    state.addAttribute("value", *value);
    state.addTypes(value->getType());
    scope.values[init.name()] = b.create(state)->getResult(0);
  }
  return success();
}

LogicalResult GraphImporter::importNodes(Scope &scope, OpBuilder &b) {
  ErrorSite graphSite{env.fileLoc(), "graph '" + scope.graph.name() + "': "};
  if (failed(scope.index.build(scope.graph, graphSite,
                               [&](int i) { return nodeSite(scope.graph.node(i), i); })))
    return failure();
  for (int i = 0, e = scope.graph.node_size(); i < e; ++i)
    if (failed(importNode(scope.graph.node(i), i, scope, b)))
      return failure();
  return success();
}

LogicalResult GraphImporter::importNode(const NodeProto &node, int index, Scope &scope,
                                        OpBuilder &b) {
  ErrorSite site = nodeSite(node, index);
  StringRef domain = normalizeDomain(node.domain());
  auto opset = opsets.find(domain);
  if (opset == opsets.end())
    return site.emit() << "domain '" << node.domain() << "' is not in the model's opset_import",
           failure();
  std::optional<ResolvedOp> op = resolveOp(domain, node.op_type(), opset->second);
  if (!op)
    return site.emit() << "unsupported operator '" << node.op_type() << "' in domain '"
                       << node.domain() << "' at opset " << opset->second,
           failure();
  const OpSignature &sig = *op->sig;
  if (failed(checkNodeSignature(node, sig, site)))
    return failure();

  // Operands: one per formal input; the variadic tail takes the rest.
  SmallVector<Value> operands;
  unsigned numActual = node.input_size();
  unsigned numOperands = sig.numInputs;
  if (sig.lastInputVariadic && sig.numInputs > 0)
    numOperands = std::max(sig.numInputs - 1, numActual);
  for (unsigned i = 0; i < numOperands; ++i) {
    if (i >= numActual || node.input(i).empty()) {
      operands.push_back(noValue(scope, b, site.loc));
      continue;
    }
    Value v = scope.lookup(node.input(i));
    if (!v) {
      reportUndefinedInput(scope.graph, scope.index, node.input(i), site);
      return failure();
    }
    operands.push_back(v);
  }
  if (failed(checkTypeParameters(node, domain, op->sinceVersion, operands, site)))
    return failure();

  NamedAttrList attrs;
  for (const AttributeProto &attr : node.attribute()) {
    if (attributeKind(attr) == AttributeProto::GRAPH)
      continue; // Checked by checkNodeSignature; imported as a region below.
    FailureOr<NamedAttribute> named = importAttribute(attr, env, site);
    if (failed(named))
      return failure();
    attrs.push_back(*named);
  }

  // Regions first: the types they yield type the results of If/Loop/Scan.
  OperationState state(site.loc, sig.mlirName);
  state.addOperands(operands);
  state.addAttributes(attrs);
  SmallVector<TypeRange> yieldTypes;
  for (StringRef regionName : sig.regionAttrNames) {
    Region *region = state.addRegion();
    for (const AttributeProto &attr : node.attribute())
      if (attr.name() == regionName &&
          failed(importSubgraph(attr.g(), *region, scope, node, sig.mlirName, operands, site)))
        return failure();
    yieldTypes.push_back(region->empty()
                             ? TypeRange()
                             : TypeRange(region->front().getTerminator()->getOperandTypes()));
  }

  // Results: one per formal output; the variadic tail takes the rest.
  unsigned numOutputs = node.output_size();
  unsigned numResults = sig.numOutputs;
  if (sig.lastOutputVariadic && sig.numOutputs > 0)
    numResults = std::max(sig.numOutputs - 1, numOutputs);
  SmallVector<Type> resultTypes;
  for (unsigned i = 0; i < numResults; ++i) {
    if (i >= numOutputs || node.output(i).empty()) {
      resultTypes.push_back(builder.getNoneType());
      continue;
    }
    const TypeProto *declared = nullptr;
    auto it = scope.declared.find(node.output(i));
    if (it != scope.declared.end())
      declared = it->second;
    ResultTypeQuery query{node, sig, i, operands, attrs, yieldTypes, declared};
    FailureOr<Type> type = inferResultType(query, env, site);
    if (failed(type))
      return failure();
    resultTypes.push_back(*type);
  }

  state.addTypes(resultTypes);
  Operation *created = b.create(state);
  for (unsigned i = 0; i < numOutputs && i < numResults; ++i)
    if (!node.output(i).empty())
      scope.values[node.output(i)] = created->getResult(i);
  return success();
}

/// Loop and Scan bodies may leave their inputs untyped (ONNX allows it); their
/// types follow from the owner's operands (`ownerOp` is its dialect op: onnx.ScanV8 runs
/// its body per batch entry). Null when they do not; kiln-infer-shapes refines them.
static Type untypedBodyInputType(const NodeProto &owner, StringRef ownerOp, ValueRange operands,
                                 int index) {
  if (!normalizeDomain(owner.domain()).empty())
    return {};
  MLIRContext *ctx =
      owner.op_type().empty() || operands.empty() ? nullptr : operands.front().getContext();
  if (!ctx)
    return {};
  auto elementOf = [](Value v) -> Type {
    if (auto tensor = dyn_cast<TensorType>(v.getType()))
      return UnrankedTensorType::get(tensor.getElementType());
    return {};
  };
  unsigned i = index;
  if (owner.op_type() == "Loop") {
    // Body inputs: (iteration number, condition, carried values...).
    if (i == 0)
      return RankedTensorType::get({}, IntegerType::get(ctx, 64));
    if (i == 1)
      return RankedTensorType::get({}, IntegerType::get(ctx, 1));
    return i < operands.size() ? operands[i].getType() : Type();
  }
  if (owner.op_type() == "Scan") {
    // Body inputs: (carried values..., one slice of each scanned input). Scan-8's first
    // operand is sequence_lens, and its states and inputs lead with the batch dim.
    bool batched = ownerOp == "onnx.ScanV8";
    if (batched)
      operands = operands.drop_front();
    int64_t numScan = -1;
    for (const AttributeProto &attr : owner.attribute())
      if (attr.name() == "num_scan_inputs")
        numScan = attr.i();
    if (numScan < 0 || static_cast<uint64_t>(numScan) > operands.size())
      return {};
    unsigned numCarried = operands.size() - numScan;
    if (i >= operands.size())
      return {};
    return i < numCarried && !batched ? operands[i].getType() : elementOf(operands[i]);
  }
  return {};
}

LogicalResult GraphImporter::importSubgraph(const GraphProto &graph, Region &region, Scope &parent,
                                            const NodeProto &owner, StringRef ownerOp,
                                            ValueRange ownerOperands, const ErrorSite &site) {
  Scope scope(graph, &parent);
  Block *block = new Block();
  region.push_back(block);
  for (int i = 0, e = graph.input_size(); i < e; ++i) {
    const ValueInfoProto &input = graph.input(i);
    Type type;
    if (input.has_type() && isTypeComplete(input.type())) {
      FailureOr<Type> imported =
          importType(ctx, input.type(), site, ("subgraph input '" + input.name() + "'"));
      if (failed(imported))
        return failure();
      type = *imported;
    } else {
      type = untypedBodyInputType(owner, ownerOp, ownerOperands, i);
      if (!type)
        return site.emit() << "subgraph input '" << input.name() << "' has no type", failure();
    }
    scope.values[input.name()] = block->addArgument(type, nameLoc(input.name()));
  }
  // The region is not attached to an op yet, so the builder cannot find the
  // context through the block (OpBuilder::atBlockEnd would crash).
  OpBuilder b(&ctx);
  b.setInsertionPointToEnd(block);
  if (failed(importInitializers(scope, b)) || failed(importNodes(scope, b)))
    return failure();
  SmallVector<Value> results;
  for (const ValueInfoProto &out : graph.output()) {
    Value v = scope.lookup(out.name());
    if (!v)
      return site.emit() << "subgraph output '" << out.name() << "' is not defined", failure();
    results.push_back(v);
  }
  OperationState yield(site.loc, "onnx.Yield");
  yield.addOperands(results);
  b.create(yield);
  return success();
}

LogicalResult GraphImporter::importMain(const GraphProto &graph, ModuleOp module) {
  Scope scope(graph, nullptr);
  llvm::StringSet<> initNames;
  for (const TensorProto &init : graph.initializer())
    initNames.insert(init.name());

  SmallVector<Type> argTypes;
  SmallVector<const ValueInfoProto *> args;
  for (const ValueInfoProto &input : graph.input()) {
    if (initNames.contains(input.name()))
      continue; // An initializer's default: imported as a constant.
    FailureOr<Type> type = importType(ctx, input.type(), {nameLoc(input.name()), ""},
                                      ("graph input '" + input.name() + "'"));
    if (failed(type))
      return failure();
    argTypes.push_back(*type);
    args.push_back(&input);
  }

  OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
  Location funcLoc = graph.name().empty() ? env.fileLoc() : nameLoc(graph.name());
  auto func = func::FuncOp::create(mb, funcLoc, "main", builder.getFunctionType(argTypes, {}));
  func->setAttr("onnx.graph_name", builder.getStringAttr(graph.name()));
  Block *body = func.addEntryBlock();
  for (auto [i, input] : llvm::enumerate(args)) {
    body->getArgument(i).setLoc(nameLoc(input->name()));
    scope.values[input->name()] = body->getArgument(i);
    func.setArgAttr(i, "onnx.name", builder.getStringAttr(input->name()));
    if (ArrayAttr params = importDimParams(ctx, input->type()))
      func.setArgAttr(i, "onnx.dim_params", params);
  }

  OpBuilder b = OpBuilder::atBlockEnd(body);
  if (failed(importInitializers(scope, b)) || failed(importNodes(scope, b)))
    return failure();

  SmallVector<Value> results;
  for (const ValueInfoProto &out : graph.output()) {
    Value v = scope.lookup(out.name());
    if (!v)
      return emitError(env.fileLoc()) << "graph output '" << out.name() << "' is not defined",
             failure();
    results.push_back(v);
  }
  func::ReturnOp::create(b, funcLoc, results);
  func.setFunctionType(builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, out] : llvm::enumerate(graph.output())) {
    func.setResultAttr(i, "onnx.name", builder.getStringAttr(out.name()));
    if (ArrayAttr params = importDimParams(ctx, out.type()))
      func.setResultAttr(i, "onnx.dim_params", params);
  }
  return success();
}

LogicalResult importMainGraph(const GraphProto &graph, const OpsetMap &opsets, ImportEnv &env,
                              ModuleOp module) {
  return GraphImporter(opsets, env).importMain(graph, module);
}

} // namespace kiln::frontend
