//===- ShapeChecks.cpp - Run-time checks of the shape contract ------------===//

#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/kiln/KilnDialect.h"
#include "kiln/NodeLoc.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;

namespace kiln::conversion {

void emitShapeCheck(OpBuilder &b, Location loc, Operation *node, Value ok, Value lhs, Value rhs,
                    const Twine &message) {
  // A condition that folded to true needs no check.
  if (std::optional<int64_t> cst = getConstantIntValue(ok); cst && *cst != 0)
    return;
  // Helpers called without their ONNX op (unit-dim and reduction utilities) run inside
  // its conversion pattern, whose insertion point is that op: take it from there when
  // its location is the check's, so that the message names the op type too.
  if (!node && b.getInsertionBlock()) {
    Block::iterator ip = b.getInsertionPoint();
    if (ip != b.getInsertionBlock()->end() && ip->getLoc() == loc &&
        ip->getName().getDialectNamespace() == "onnx")
      node = &*ip;
  }
  std::string text =
      (node ? kiln::describeNode(node) : kiln::describeNode(loc)) + ": " + message.str();
  kilnir::CheckOp::create(b, loc, ok, lhs, rhs, b.getI32IntegerAttr(kilnir::kCheckShape),
                          b.getStringAttr(text));
}

namespace {

/// Where a size comes from: the constant `constant`, or dim `dim` of `value` plus
/// `constant` (dim == -1: `value` is an index Value the trace could not see through).
struct SizeSource {
  Value value;
  int64_t dim = -1;
  int64_t constant = 0;
  bool operator==(const SizeSource &o) const {
    return value == o.value && dim == o.dim && constant == o.constant;
  }
};

/// `value` as `inner` + `offset` when it is an index addition or subtraction of a
/// constant, or `inner` divided by 1 (a window size: (padded - extent) / stride + 1).
std::optional<std::pair<Value, int64_t>> peelConstantOffset(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def || def->getNumOperands() != 2)
    return std::nullopt;
  Value lhs = def->getOperand(0), rhs = def->getOperand(1);
  std::optional<int64_t> l = getConstantIntValue(lhs), r = getConstantIntValue(rhs);
  if (isa<arith::AddIOp>(def)) {
    if (r)
      return std::make_pair(lhs, *r);
    if (l)
      return std::make_pair(rhs, *l);
  } else if (isa<arith::SubIOp>(def) && r) {
    return std::make_pair(lhs, -*r);
  } else if (isa<arith::DivUIOp, arith::DivSIOp, arith::FloorDivSIOp, arith::CeilDivSIOp,
                 arith::CeilDivUIOp>(def) &&
             r == 1) {
    return std::make_pair(lhs, int64_t(0));
  }
  return std::nullopt;
}

/// Follows a size back to its source, iteratively (a model's activations chain through
/// hundreds of ops). `tensor` and `dim` are the dim being followed; a size that is an
/// index Value is followed through tensor.dim.
/// `offset` accumulates the constants added on the way (a "same"-padded window keeps its
/// input's size: (h + 2 - 3) / 1 + 1 traces to h).
SizeSource traceSize(OpFoldResult size) {
  Value tensor;
  int64_t dim = -1, offset = 0;
  constexpr int kMaxSteps = 100000;
  for (int step = 0; step < kMaxSteps; ++step) {
    if (!tensor) {
      // Following an index size.
      if (std::optional<int64_t> cst = getConstantIntValue(size))
        return {Value(), -1, *cst + offset};
      Value value = cast<Value>(size);
      if (std::optional<std::pair<Value, int64_t>> peeled = peelConstantOffset(value)) {
        size = peeled->first;
        offset += peeled->second;
        continue;
      }
      auto dimOp = value.getDefiningOp<tensor::DimOp>();
      std::optional<int64_t> index = dimOp ? dimOp.getConstantIndex() : std::nullopt;
      if (!index)
        return {value, -1, offset};
      tensor = dimOp.getSource();
      dim = *index;
      continue;
    }
    auto type = dyn_cast<RankedTensorType>(tensor.getType());
    if (!type || dim >= type.getRank())
      break;
    if (!type.isDynamicDim(dim))
      return {Value(), -1, type.getDimSize(dim) + offset};
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
      unsigned result = cast<OpResult>(tensor).getResultNumber();
      if (result >= dps.getNumDpsInits() || !sameRank(dps.getDpsInitOperand(result)->get()))
        break;
      tensor = dps.getDpsInitOperand(result)->get();
    } else if (auto pad = dyn_cast<tensor::PadOp>(def)) {
      // The source's size plus constant padding.
      std::optional<int64_t> low = getConstantIntValue(pad.getMixedLowPad()[dim]);
      std::optional<int64_t> high = getConstantIntValue(pad.getMixedHighPad()[dim]);
      if (!low || !high)
        break;
      offset += *low + *high;
      tensor = pad.getSource();
    } else if (auto empty = dyn_cast<tensor::EmptyOp>(def)) {
      size = empty.getMixedSizes()[dim];
      tensor = nullptr;
    } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
      size = expand.getMixedOutputShape()[dim];
      tensor = nullptr;
    } else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
      // A group whose other dims are static 1s is that one dim.
      auto srcType = collapse.getSrcType();
      std::optional<int64_t> only;
      bool several = false;
      SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
      for (int64_t d : groups[dim]) {
        if (srcType.getDimSize(d) == 1)
          continue;
        several |= only.has_value();
        only = d;
      }
      if (several)
        break;
      if (!only)
        return {Value(), -1, 1};
      tensor = collapse.getSrc();
      dim = *only;
    } else {
      break;
    }
  }
  if (!tensor)
    return {cast<Value>(size), -1, offset};
  return {tensor, dim, offset};
}

} // namespace

bool provablyEqualSizes(OpFoldResult a, OpFoldResult b) {
  return traceSize(a) == traceSize(b);
}

bool isConstantSize(OpFoldResult size, int64_t value) {
  SizeSource source = traceSize(size);
  return !source.value && source.constant == value;
}

bool provablyNotOne(OpFoldResult size) {
  SizeSource source = traceSize(size);
  if (!source.value)
    return source.constant != 1;
  if (source.dim >= 0 || source.constant != 0)
    return false;
  auto mul = source.value.getDefiningOp<arith::MulIOp>();
  if (!mul)
    return false;
  for (Value factor : mul->getOperands())
    if (std::optional<int64_t> c = getConstantIntValue(factor))
      if (*c < -1 || *c > 1)
        return true;
  return false;
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

Value castWithCheck(OpBuilder &b, Location loc, Operation *node, Value value, Type type,
                    const Twine &what) {
  auto from = dyn_cast<RankedTensorType>(value.getType());
  auto to = dyn_cast<RankedTensorType>(type);
  if (from && to && from.getRank() == to.getRank())
    checkCastSizes(b, loc, node, value, to, what);
  return castTo(b, loc, value, type);
}

Value checkOperandBroadcast(OpBuilder &b, Location loc, Operation *node, Value operand,
                            ArrayRef<OpFoldResult> targetSizes, const Twine &name,
                            const Twine &target) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t rank = type.getRank(), lead = static_cast<int64_t>(targetSizes.size()) - rank;
  if (lead < 0)
    return operand;
  ArrayRef<OpFoldResult> aligned = targetSizes.drop_front(lead);
  for (int64_t d = 0; d < rank; ++d) {
    OpFoldResult size = tensor::getMixedSize(b, loc, operand, d);
    if (isConstantSize(size, 1) || provablyEqualSizes(size, aligned[d]))
      continue;
    Value in = getValueOrCreateConstantIndexOp(b, loc, size);
    Value want = getValueOrCreateConstantIndexOp(b, loc, aligned[d]);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value ok = b.createOrFold<arith::OrIOp>(
        loc, b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, in, want),
        b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, in, one));
    emitShapeCheck(b, loc, node, ok, in, want,
                   name + " has size {} in dim " + Twine(d) + " where " + target + " has {}" +
                       " (expected equal sizes, or 1)");
  }
  return broadcastDynamicOnes(b, loc, operand, aligned);
}

} // namespace kiln::conversion
