//===- ShapeChecks.cpp - Run-time checks of the shape contract ------------===//

#include "passes/OnnxToLinalg/ShapeChecks.h"
#include "ir/kiln/KilnDialect.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;

namespace kiln::conversion {

std::string describeNode(Location loc, StringRef opType) {
  std::string name = "<unnamed>";
  if (auto named = dyn_cast<NameLoc>(loc))
    name = named.getName().str();
  else if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto named = dyn_cast<NameLoc>(inner)) {
        name = named.getName().str();
        break;
      }
  if (opType.empty())
    return "node '" + name + "'";
  return "node '" + name + "' (" + opType.str() + ")";
}

std::string describeNode(Operation *node) {
  StringRef opType = node->getName().getStringRef();
  opType.consume_front("onnx.");
  opType.consume_front("kiln.");
  return describeNode(node->getLoc(), opType);
}

void emitShapeCheck(OpBuilder &b, Location loc, Operation *node, Value ok, Value lhs, Value rhs,
                    const Twine &message) {
  // A condition that folded to true needs no check.
  if (std::optional<int64_t> cst = getConstantIntValue(ok); cst && *cst != 0)
    return;
  // Helpers called without their ONNX op still name the node from the location.
  std::string text =
      (node ? describeNode(node) : describeNode(loc, "")) + ": " + message.str();
  kilnir::CheckOp::create(b, loc, ok, lhs, rhs, b.getI32IntegerAttr(kilnir::kCheckShape),
                          b.getStringAttr(text));
}

namespace {

/// Where a size comes from: a constant, or dim `dim` of `value` (dim == -1: `value` is an
/// index Value the trace could not see through).
struct SizeSource {
  Value value;
  int64_t dim = -1;
  int64_t constant = 0;
  bool operator==(const SizeSource &o) const {
    return value == o.value && dim == o.dim && (value || constant == o.constant);
  }
};

SizeSource traceDim(Value tensor, int64_t dim, int depth);

SizeSource traceSize(OpFoldResult size, int depth) {
  if (std::optional<int64_t> cst = getConstantIntValue(size))
    return {Value(), -1, *cst};
  Value value = cast<Value>(size);
  if (depth < 64)
    if (auto dimOp = value.getDefiningOp<tensor::DimOp>())
      if (std::optional<int64_t> index = dimOp.getConstantIndex())
        return traceDim(dimOp.getSource(), *index, depth + 1);
  return {value, -1, 0};
}

SizeSource traceDim(Value tensor, int64_t dim, int depth) {
  for (; depth < 64; ++depth) {
    auto type = dyn_cast<RankedTensorType>(tensor.getType());
    if (!type)
      break;
    if (!type.isDynamicDim(dim))
      return {Value(), -1, type.getDimSize(dim)};
    Operation *def = tensor.getDefiningOp();
    if (!def)
      break;
    auto sameRank = [&](Value v) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      return t && t.getRank() == type.getRank();
    };
    if (auto conversion = dyn_cast<UnrealizedConversionCastOp>(def)) {
      if (conversion.getInputs().size() != 1 || !sameRank(conversion.getInputs().front()))
        break;
      tensor = conversion.getInputs().front();
    } else if (auto tensorCast = dyn_cast<tensor::CastOp>(def)) {
      if (!sameRank(tensorCast.getSource()))
        break;
      tensor = tensorCast.getSource();
    } else if (auto dps = dyn_cast<DestinationStyleOpInterface>(def)) {
      // A destination-style result has the shape of its init.
      tensor = dps.getDpsInitOperand(cast<OpResult>(tensor).getResultNumber())->get();
    } else if (auto empty = dyn_cast<tensor::EmptyOp>(def)) {
      return traceSize(empty.getMixedSizes()[dim], depth + 1);
    } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
      return traceSize(expand.getMixedOutputShape()[dim], depth + 1);
    } else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
      // A group whose other dims are static 1s is that one dim.
      auto srcType = collapse.getSrcType();
      std::optional<int64_t> only;
      SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
      for (int64_t d : groups[dim]) {
        if (srcType.getDimSize(d) == 1)
          continue;
        if (only)
          return {tensor, dim, 0};
        only = d;
      }
      if (!only)
        return {Value(), -1, 1};
      tensor = collapse.getSrc();
      dim = *only;
    } else {
      break;
    }
  }
  return {tensor, dim, 0};
}

} // namespace

bool provablyEqualSizes(OpFoldResult a, OpFoldResult b) {
  return traceSize(a, 0) == traceSize(b, 0);
}

bool isConstantSize(OpFoldResult size, int64_t value) {
  SizeSource source = traceSize(size, 0);
  return !source.value && source.constant == value;
}

void checkSizes(OpBuilder &b, Location loc, Operation *node, arith::CmpIPredicate pred,
                OpFoldResult lhs, OpFoldResult rhs, const Twine &message) {
  Value l = getValueOrCreateConstantIndexOp(b, loc, lhs);
  Value r = getValueOrCreateConstantIndexOp(b, loc, rhs);
  Value ok = b.createOrFold<arith::CmpIOp>(loc, pred, l, r);
  emitShapeCheck(b, loc, node, ok, l, r, message);
}

void checkSizesEqual(OpBuilder &b, Location loc, Operation *node, OpFoldResult lhs,
                     OpFoldResult rhs, const Twine &message) {
  if (provablyEqualSizes(lhs, rhs))
    return;
  checkSizes(b, loc, node, arith::CmpIPredicate::eq, lhs, rhs, message);
}

void checkCastSizes(OpBuilder &b, Location loc, Operation *node, Value value,
                    RankedTensorType type, const Twine &what) {
  auto valueType = cast<RankedTensorType>(value.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (valueType.isDynamicDim(d) && !type.isDynamicDim(d))
      checkSizesEqual(b, loc, node, tensor::getMixedSize(b, loc, value, d),
                      b.getIndexAttr(type.getDimSize(d)),
                      what + " has size {} in dim " + Twine(d) +
                          " where the model's shapes imply {}");
}

} // namespace kiln::conversion
