//===- ResultTypes.cpp - Types of node outputs ----------------------------===//

#include "frontend/ResultTypes.h"

#include "frontend/TypeImporter.h"
#include "ir/onnx/OnnxDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace kiln::frontend {

/// Unranked tensor of `elem`, or null when `elem` is null.
static Type unranked(Type elem) { return elem ? Type(UnrankedTensorType::get(elem)) : Type(); }

/// Element type of an operand when it is a tensor.
static Type operandElementType(ValueRange operands, unsigned index) {
  if (index >= operands.size())
    return {};
  if (auto tensor = dyn_cast<TensorType>(operands[index].getType()))
    return tensor.getElementType();
  return {};
}

/// Result type of the ops whose output type comes from an attribute.
static Type typeFromAttributes(const ResultTypeQuery &q, MLIRContext &ctx) {
  StringRef op = q.node.op_type();
  bool defaultDomain = normalizeDomain(q.node.domain()).empty();
  if (defaultDomain && op == "LayerNormalization" && q.resultIndex > 0) {
    Builder b(&ctx);
    // Mean and InvStdDev have the stash type (float by default). A bad
    // stash_type still gets float: leaving the output untyped would keep
    // Kiln's checks from running before libonnx's, which crashed on such a
    // node (axis = -2^31, stash_type = -2).
    auto stash = dyn_cast_or_null<IntegerAttr>(q.attrs.get("stash_type"));
    ScopedDiagnosticHandler silence(&ctx, [](Diagnostic &) { return success(); });
    FailureOr<Type> elem =
        importElementType(ctx, stash ? stash.getInt() : 1, {UnknownLoc::get(&ctx), ""});
    return unranked(succeeded(elem) ? *elem : b.getF32Type());
  }
  if (!defaultDomain || q.resultIndex != 0)
    return {};
  Builder b(&ctx);
  if (op == "Cast") {
    auto to = dyn_cast_or_null<IntegerAttr>(q.attrs.get("to"));
    if (!to)
      return {};
    // Errors are not interesting here: a bad `to` is reported by the verifier
    // or the fallback message.
    ScopedDiagnosticHandler silence(&ctx, [](Diagnostic &) { return success(); });
    FailureOr<Type> elem = importElementType(ctx, to.getInt(), {UnknownLoc::get(&ctx), ""});
    return succeeded(elem) ? unranked(*elem) : Type();
  }
  // Ops whose output element type is a `dtype` attribute, defaulting to their
  // first input's (the *Like ops) or to a fixed type.
  if (op == "RandomUniformLike" || op == "RandomNormalLike" || op == "EyeLike" ||
      op == "Bernoulli" || op == "RandomUniform" || op == "RandomNormal" || op == "Multinomial") {
    if (auto dtype = dyn_cast_or_null<IntegerAttr>(q.attrs.get("dtype"))) {
      ScopedDiagnosticHandler silence(&ctx, [](Diagnostic &) { return success(); });
      FailureOr<Type> elem = importElementType(ctx, dtype.getInt(), {UnknownLoc::get(&ctx), ""});
      return succeeded(elem) ? unranked(*elem) : Type();
    }
    if (op == "Multinomial")
      return unranked(b.getI32Type());
    if (op == "RandomUniform" || op == "RandomNormal")
      return unranked(b.getF32Type());
    return unranked(operandElementType(q.operands, 0));
  }
  if (op == "CastLike")
    return unranked(operandElementType(q.operands, 1));
  if (op == "ConstantOfShape") {
    if (auto value = dyn_cast_or_null<ElementsAttr>(q.attrs.get("value")))
      return unranked(value.getElementType());
    return unranked(b.getF32Type());
  }
  if (op == "Constant") {
    if (auto value = dyn_cast_or_null<ElementsAttr>(q.attrs.get("value")))
      return value.getType();
    if (q.attrs.get("value_float"))
      return RankedTensorType::get({}, b.getF32Type());
    if (q.attrs.get("value_int"))
      return RankedTensorType::get({}, b.getI64Type());
    if (auto floats = dyn_cast_or_null<DenseF32ArrayAttr>(q.attrs.get("value_floats")))
      return RankedTensorType::get({floats.size()}, b.getF32Type());
    if (auto ints = dyn_cast_or_null<DenseI64ArrayAttr>(q.attrs.get("value_ints")))
      return RankedTensorType::get({ints.size()}, b.getI64Type());
    if (q.attrs.get("value_string"))
      return RankedTensorType::get({}, onnxir::StringType::get(&ctx));
    if (auto strings = dyn_cast_or_null<ArrayAttr>(q.attrs.get("value_strings")))
      return RankedTensorType::get({static_cast<int64_t>(strings.size())},
                                   onnxir::StringType::get(&ctx));
  }
  return {};
}

/// Result types of control flow ops follow from what their bodies yield.
static Type typeFromRegions(const ResultTypeQuery &q) {
  if (q.regionYieldTypes.empty() || !normalizeDomain(q.node.domain()).empty())
    return {};
  StringRef op = q.node.op_type();
  unsigned i = q.resultIndex;
  TypeRange body = q.regionYieldTypes.front();
  auto elementOf = [](Type t) -> Type {
    if (auto tensor = dyn_cast<TensorType>(t))
      return unranked(tensor.getElementType());
    return {};
  };
  if (op == "If") {
    // Branches may disagree on shapes; keep the shape only when they agree.
    if (i >= body.size())
      return {};
    if (q.regionYieldTypes.size() > 1 && i < q.regionYieldTypes[1].size() &&
        q.regionYieldTypes[1][i] != body[i])
      return elementOf(body[i]);
    return body[i];
  }
  if (op == "Loop" || op == "Scan") {
    // Loop bodies yield (cond, carried..., scan...); Scan bodies (carried...,
    // scan...). Carried values keep their type; scan outputs gain a dimension.
    unsigned first = op == "Loop" ? 1 : 0;
    unsigned skip = 2;    // Loop: M and cond.
    bool batched = false; // Scan-8: states [B, ...], scan outputs [B, T, ...].
    if (op == "Scan") {
      // Scan: everything but the num_scan_inputs scanned operands (and
      // Scan-8's sequence_lens) is carried.
      auto numScan = dyn_cast_or_null<IntegerAttr>(q.attrs.get("num_scan_inputs"));
      if (!numScan || numScan.getInt() < 0)
        return {};
      batched = q.sig.mlirName.ends_with("V8");
      skip = numScan.getInt() + (batched ? 1 : 0);
    }
    if (skip > q.operands.size())
      return {};
    unsigned numCarried = q.operands.size() - skip;
    if (first + i >= body.size())
      return {};
    if (batched) // A state keeps its initial value's type.
      return i < numCarried ? q.operands[1 + i].getType() : elementOf(body[first + i]);
    return i < numCarried ? body[first + i] : elementOf(body[first + i]);
  }
  return {};
}

/// Applies the signature's rule for the output: "inN" or a fixed type.
static Type typeFromRule(const ResultTypeQuery &q, MLIRContext &ctx) {
  const auto &rules = q.sig.outputTypeRules;
  if (rules.empty())
    return {};
  unsigned index = std::min<unsigned>(q.resultIndex, rules.size() - 1);
  if (q.resultIndex >= rules.size() && !q.sig.lastOutputVariadic)
    return {};
  // "inN|type": input N's element type, or `type` when input N is absent.
  auto [rule, fallback] = rules[index].split('|');
  if (rule.empty() || rule == "?")
    return {};
  unsigned operand;
  if (rule.consume_front("in") && !rule.getAsInteger(10, operand)) {
    if (Type elem = operandElementType(q.operands, operand))
      return unranked(elem);
    // Non-tensor operands (sequences, optionals) pass through unchanged, which
    // is what the few ops with such a rule (Identity, If) do.
    if (operand < q.operands.size() && !isa<NoneType>(q.operands[operand].getType()))
      return q.operands[operand].getType();
    if (fallback.empty())
      return {};
    rule = fallback;
  } else {
    rule = rules[index];
  }
  ScopedDiagnosticHandler silence(&ctx, [](Diagnostic &) { return success(); });
  size_t read = 0;
  Type elem = parseType(rule, &ctx, &read);
  return elem && read == rule.size() ? unranked(elem) : Type();
}

FailureOr<Type> inferResultType(const ResultTypeQuery &q, const ImportEnv &env,
                                const ErrorSite &site) {
  StringRef name = q.resultIndex < static_cast<unsigned>(q.node.output_size())
                       ? StringRef(q.node.output(q.resultIndex))
                       : StringRef();
  if (q.declared && isTypeComplete(*q.declared))
    return importType(env.ctx, *q.declared, site, ("output '" + name + "'").str());
  if (Type t = typeFromAttributes(q, env.ctx))
    return t;
  if (Type t = typeFromRegions(q))
    return t;
  if (Type t = typeFromRule(q, env.ctx))
    return t;
  if (env.checkOnly) {
    env.incomplete = true;
    return failure();
  }
  return site.emit() << "cannot infer the type of output '" << name << "'", failure();
}

} // namespace kiln::frontend
