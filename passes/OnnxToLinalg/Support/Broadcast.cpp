//===- Broadcast.cpp - Numpy broadcasting with run-time checks ------------===//
//
// A dynamic dim may be 1 at run time while the dim it meets is not: numpy (and ONNX
// Runtime) then broadcast it. The elementwise generic reads every dynamic dim with an
// identity map, which is what keeps it fast and fusable; so an operand whose dynamic dim
// may be a run-time 1 is passed through an scf.if that, only when some such dim is 1
// while the result's is not, materializes the broadcast operand (a gather into a tensor
// of the result's sizes). The common run, where the sizes are equal, takes the else
// branch and reads the operand itself. Dims traced to the same source need neither the
// check nor the scf.if (see ShapeChecks.h), and a dim that is never 1 (an integer
// upsampling's) needs no scf.if: its producer stays fusable with the elementwise op.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace kiln::conversion {

SmallVector<OpFoldResult> getCheckedBroadcastSizes(OpBuilder &b, Location loc, Operation *node,
                                                   ArrayRef<SmallVector<OpFoldResult>> inputs,
                                                   ArrayRef<int64_t> resultShape,
                                                   ArrayRef<std::string> names) {
  int64_t rank = resultShape.size();
  SmallVector<OpFoldResult> result;
  auto index = [&](OpFoldResult v) { return getValueOrCreateConstantIndexOp(b, loc, v); };
  auto eq = [&](Value x, Value y) {
    return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, y);
  };
  auto orI = [&](Value x, Value y) { return b.createOrFold<arith::OrIOp>(loc, x, y); };
  for (int64_t d = 0; d < rank; ++d) {
    // Static result dim S: every input dim is S or 1.
    bool staticResult = !ShapedType::isDynamic(resultShape[d]);
    OpFoldResult size;
    if (staticResult)
      size = b.getIndexAttr(resultShape[d]);
    for (auto [i, sizes] : llvm::enumerate(inputs)) {
      int64_t id = d - (rank - static_cast<int64_t>(sizes.size()));
      if (id < 0 || isConstantSize(sizes[id], 1))
        continue; // absent or a static 1: broadcasts to anything
      OpFoldResult in = sizes[id];
      std::string name = names.empty() ? "input " + std::to_string(i) : names[i];
      if (!size) {
        size = in;
        continue;
      }
      if (provablyEqualSizes(size, in))
        continue;
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      Value inV = index(in), sizeV = index(size);
      if (staticResult || getConstantIntValue(size)) {
        // size is a known S != 1: `in` must be S or 1.
        emitShapeCheck(b, loc, node, orI(eq(inV, sizeV), eq(inV, one)), inV, sizeV,
                       name + " has size {} in dim " + Twine(id) +
                           " where the broadcast result has {} (expected equal sizes, or 1)");
        continue;
      }
      if (getConstantIntValue(in)) {
        // `in` is a known S != 1: what came before must be S or 1.
        emitShapeCheck(b, loc, node, orI(eq(sizeV, inV), eq(sizeV, one)), inV, sizeV,
                       name + " has size {} in dim " + Twine(id) +
                           " where the others have {} (expected equal sizes, or 1)");
        size = in;
        continue;
      }
      if (provablyNotOne(in) || provablyNotOne(size)) {
        // One side is never 1: the result has its size and the other is it or 1.
        bool inWins = provablyNotOne(in);
        Value wide = inWins ? inV : sizeV, other = inWins ? sizeV : inV;
        emitShapeCheck(b, loc, node, orI(eq(other, wide), eq(other, one)), inV, sizeV,
                       name + " has size {} in dim " + Twine(id) +
                           " where the others have {} (expected equal sizes, or 1)");
        if (inWins)
          size = in;
        continue;
      }
      emitShapeCheck(b, loc, node, orI(orI(eq(inV, sizeV), eq(inV, one)), eq(sizeV, one)), inV,
                     sizeV,
                     name + " has size {} in dim " + Twine(id) +
                         " where the others have {} (expected equal sizes, or 1)");
      size = b.createOrFold<arith::SelectOp>(loc, eq(sizeV, one), inV, sizeV);
    }
    result.push_back(size ? size : b.getIndexAttr(1));
  }
  return result;
}

Value broadcastDynamicOnes(OpBuilder &b, Location loc, Value input,
                           ArrayRef<OpFoldResult> targetSizes) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> flagged;
  for (int64_t d = 0; d < rank; ++d) {
    if (!type.isDynamicDim(d) || isConstantSize(targetSizes[d], 1))
      continue;
    OpFoldResult own = tensor::getMixedSize(b, loc, input, d);
    if (!provablyEqualSizes(own, targetSizes[d]) && !provablyNotOne(own))
      flagged.push_back(d);
  }
  if (flagged.empty())
    return input;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> dims, targets;
  for (int64_t d = 0; d < rank; ++d) {
    dims.push_back(getDimValue(b, loc, input, d));
    targets.push_back(getValueOrCreateConstantIndexOp(b, loc, targetSizes[d]));
  }
  Value needed;
  for (int64_t d : flagged) {
    Value isOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, dims[d], one);
    Value grows = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, targets[d], one);
    Value both = arith::AndIOp::create(b, loc, isOne, grows);
    needed = needed ? arith::OrIOp::create(b, loc, needed, both).getResult() : both;
  }
  auto ifOp = scf::IfOp::create(
      b, loc, needed,
      [&](OpBuilder &tb, Location tloc) {
        // The checks guarantee each flagged dim is 1 or the target: the broadcast operand
        // has the target's size there and reads index 0 where the operand has 1.
        SmallVector<Value> sizes(dims);
        for (int64_t d : flagged)
          sizes[d] = targets[d];
        Value wide = buildIndexGather(
            tb, tloc, type, sizes, input, [&](OpBuilder &gb, Location gloc, ValueRange idx) {
              SmallVector<Value> src(idx);
              Value zero = arith::ConstantIndexOp::create(gb, gloc, 0);
              for (int64_t d : flagged) {
                Value isOne =
                    arith::CmpIOp::create(gb, gloc, arith::CmpIPredicate::eq, dims[d], one);
                src[d] = arith::SelectOp::create(gb, gloc, isOne, zero, idx[d]);
              }
              return src;
            });
        scf::YieldOp::create(tb, tloc, wide);
      },
      [&](OpBuilder &eb, Location eloc) { scf::YieldOp::create(eb, eloc, input); });
  return ifOp.getResult(0);
}

SmallVector<Value> broadcastOperands(OpBuilder &b, Location loc, Operation *node,
                                     RankedTensorType resultType, ValueRange inputs,
                                     SmallVectorImpl<OpFoldResult> &resultSizes) {
  SmallVector<SmallVector<OpFoldResult>> sizes;
  for (Value input : inputs)
    sizes.push_back(getMixedSizes(b, loc, input));
  resultSizes = getCheckedBroadcastSizes(b, loc, node, sizes, resultType.getShape());
  SmallVector<Value> operands;
  int64_t rank = resultType.getRank();
  for (Value input : inputs) {
    int64_t inRank = cast<RankedTensorType>(input.getType()).getRank();
    operands.push_back(
        broadcastDynamicOnes(b, loc, input, ArrayRef(resultSizes).drop_front(rank - inRank)));
  }
  return operands;
}

AffineMap getBroadcastMap(MLIRContext *ctx, RankedTensorType inputType,
                          RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  int64_t offset = rank - inputType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < inputType.getRank(); ++i) {
    bool broadcast = inputType.getDimSize(i) == 1 && resultType.getDimSize(i + offset) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(i + offset, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ScalarBodyBuilder body, Operation *node) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes;
  SmallVector<Value> operands = broadcastOperands(b, loc, node, resultType, inputs, sizes);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[d]));
  Value init = createEmpty(b, loc, resultType, dynamicSizes);
  SmallVector<AffineMap> maps;
  for (Value input : operands)
    maps.push_back(getBroadcastMap(ctx, cast<RankedTensorType>(input.getType()), resultType));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(), utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, operands, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

} // namespace kiln::conversion
