//===- MatMul.cpp - Lower MatMul, Gemm, MatMulInteger, QLinearMatMul to linalg -===//
//
// MatMul follows numpy: 1-D operands get a unit dim (removed again from the result),
// leading dims broadcast. The common shapes become linalg named ops so later tiling and
// vectorization recognize them:
//   [M,K] x [K,N]                 -> linalg.matmul
//   [..., M, K] x [K, N]          -> collapse the leading dims into M, linalg.matmul, expand
//                                    (the [B, S, K] x [K, N] projections of transformers)
//   [b..., M, K] x [b..., K, N]   -> collapse the batch dims, linalg.batch_matmul, expand
//   anything that broadcasts, or  -> a linalg.generic contraction with broadcast maps
//   merges two dynamic dims
// Gemm is a linalg.matmul with transposing indexing maps plus an elementwise epilogue
// for alpha, beta and C. MatMulInteger is the same product of the operands widened to i32
// minus their zero points (per tensor, per row of A, per column of B); QLinearMatMul
// requantizes that product (Support/QuantizedArithmetic.h).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/QuantizedArithmetic.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

RankedTensorType getType(Value v) { return cast<RankedTensorType>(v.getType()); }

Value zeroFilled(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[d]));
  Value zero = createScalarConstant(b, loc, type.getElementType(), 0);
  Value empty = createEmpty(b, loc, type, dynamicSizes);
  return linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty}).getResult(0);
}

/// The sizes of the result [batch..., M, N] of lhs [..., M, K] x rhs [..., K, N]: static
/// ones from `resultType`, dynamic ones from an operand (batch dims from one that does
/// not broadcast there).
SmallVector<OpFoldResult> getResultSizes(OpBuilder &b, Location loc, Value lhs, Value rhs,
                                         RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  RankedTensorType lhsType = getType(lhs), rhsType = getType(rhs);
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(d)));
    } else if (d == rank - 1) {
      sizes.push_back(tensor::getMixedSize(b, loc, rhs, rhsType.getRank() - 1));
    } else if (d == rank - 2) {
      sizes.push_back(tensor::getMixedSize(b, loc, lhs, lhsType.getRank() - 2));
    } else {
      OpFoldResult size = b.getIndexAttr(1);
      for (Value operand : {lhs, rhs}) {
        int64_t od = d - (rank - getType(operand).getRank());
        if (od >= 0 && getType(operand).getDimSize(od) != 1) {
          size = tensor::getMixedSize(b, loc, operand, od);
          break;
        }
      }
      sizes.push_back(size);
    }
  }
  return sizes;
}

/// Reassociation grouping dims [0, n) into one and keeping the `rest` dims after them.
SmallVector<ReassociationIndices> collapseLeading(int64_t n, int64_t rest) {
  SmallVector<ReassociationIndices> groups(1);
  for (int64_t d = 0; d < n; ++d)
    groups[0].push_back(d);
  for (int64_t d = 0; d < rest; ++d)
    groups.push_back({n + d});
  return groups;
}

/// Whether the batch dims of lhs and rhs (same rank) line up without broadcasting.
/// Dynamic dims are equal here: buildMatmul checked them and broadcast run-time 1s.
bool haveSameBatch(RankedTensorType lhs, RankedTensorType rhs) {
  if (lhs.getRank() != rhs.getRank())
    return false;
  for (int64_t d = 0; d < lhs.getRank() - 2; ++d) {
    int64_t l = lhs.getDimSize(d), r = rhs.getDimSize(d);
    if ((l == 1) != (r == 1))
      return false;
  }
  return true;
}

/// Whether dims [0, n) of `type` may be merged into one: at most one of them dynamic.
/// Otherwise linalg-fuse-elementwise-ops propagates the collapse through the contraction
/// as a memref.expand_shape with two dynamic dims in a group, which upstream
/// expand-strided-metadata crashes on; the generic contraction needs no reshape at all.
bool canMergeLeading(RankedTensorType type, int64_t n) {
  return llvm::count_if(type.getShape().take_front(n), ShapedType::isDynamic) <= 1;
}

/// The contraction as a linalg.generic over (batch..., m, n, k) with broadcasting
/// batch maps: the fallback for shapes no named op takes.
Value buildGenericMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType resultType = getType(init);
  int64_t rank = resultType.getRank();
  auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
  auto operandMap = [&](RankedTensorType type, AffineExpr row, AffineExpr col) {
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < type.getRank() - 2; ++i) {
      int64_t d = i + rank - type.getRank();
      bool broadcast = type.getDimSize(i) == 1 && resultType.getDimSize(d) != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : dim(d));
    }
    exprs.push_back(row);
    exprs.push_back(col);
    return AffineMap::get(rank + 1, 0, exprs, ctx);
  };
  SmallVector<AffineMap> maps{
      operandMap(getType(lhs), dim(rank - 2), dim(rank)),
      operandMap(getType(rhs), dim(rank), dim(rank - 1)),
      AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{lhs, rhs}, ValueRange{init}, maps, iterators,
             yieldMulAdd)
      .getResult(0);
}

/// Checks the contraction dims of lhs [..., M, K] and rhs [..., K, N] at run time, and
/// broadcasts their batch dims: checked like elementwise broadcasting, with dynamic dims
/// that are 1 at run time materialized so that the contraction reads both operands with
/// identity batch maps. Returns the result's batch sizes.
SmallVector<OpFoldResult> checkMatmulShapes(OpBuilder &b, Location loc, Operation *node,
                                            Value &lhs, Value &rhs, RankedTensorType resultType) {
  int64_t lhsRank = getType(lhs).getRank(), rhsRank = getType(rhs).getRank();
  int64_t batchRank = resultType.getRank() - 2;
  checkSizesEqual(b, loc, node, tensor::getMixedSize(b, loc, lhs, lhsRank - 1),
                  tensor::getMixedSize(b, loc, rhs, rhsRank - 2),
                  "the first input has {} columns but the second has {} rows (expected equal "
                  "inner dimensions)");
  if (batchRank == 0)
    return {};
  SmallVector<OpFoldResult> lhsSizes = getMixedSizes(b, loc, lhs);
  SmallVector<OpFoldResult> rhsSizes = getMixedSizes(b, loc, rhs);
  SmallVector<SmallVector<OpFoldResult>> batches{
      SmallVector<OpFoldResult>(ArrayRef(lhsSizes).drop_back(2)),
      SmallVector<OpFoldResult>(ArrayRef(rhsSizes).drop_back(2))};
  SmallVector<OpFoldResult> batch = getCheckedBroadcastSizes(
      b, loc, node, batches, resultType.getShape().drop_back(2));
  auto widen = [&](Value &v, SmallVector<OpFoldResult> sizes) {
    int64_t n = static_cast<int64_t>(sizes.size()) - 2;
    for (int64_t d = 0; d < n; ++d)
      sizes[d] = batch[batchRank - n + d];
    v = broadcastDynamicOnes(b, loc, v, sizes);
  };
  widen(lhs, lhsSizes);
  widen(rhs, rhsSizes);
  return batch;
}

/// lhs [..., M, K] x rhs [..., K, N] -> [batch..., M, N], both of rank >= 2.
Value buildMatmul(OpBuilder &b, Location loc, Operation *node, Value lhs, Value rhs,
                  RankedTensorType resultType) {
  SmallVector<OpFoldResult> batch = checkMatmulShapes(b, loc, node, lhs, rhs, resultType);
  RankedTensorType lhsType = getType(lhs), rhsType = getType(rhs);
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes = getResultSizes(b, loc, lhs, rhs, resultType);
  for (auto [d, size] : llvm::enumerate(batch))
    if (resultType.isDynamicDim(d))
      sizes[d] = size;
  Type elementType = resultType.getElementType();

  if (rank == 2) {
    Value init = zeroFilled(b, loc, resultType, sizes);
    return linalg::MatmulOp::create(b, loc, TypeRange{resultType}, ValueRange{lhs, rhs}, init)
        .getResult(0);
  }
  if (rhsType.getRank() == 2 && lhsType.getRank() == rank && canMergeLeading(lhsType, rank - 1)) {
    // Every leading dim of lhs is a row: [b..., M, K] -> [b * ... * M, K].
    Value lhs2 = tensor::CollapseShapeOp::create(b, loc, lhs, collapseLeading(rank - 1, 1));
    int64_t rows = getType(lhs2).getDimSize(0);
    auto type2 = RankedTensorType::get({rows, resultType.getDimSize(rank - 1)}, elementType);
    Value init =
        zeroFilled(b, loc, type2, {tensor::getMixedSize(b, loc, lhs2, 0), sizes[rank - 1]});
    Value product = linalg::MatmulOp::create(b, loc, TypeRange{type2}, ValueRange{lhs2, rhs}, init)
                        .getResult(0);
    return expandShape(b, loc, resultType, product, collapseLeading(rank - 1, 1), sizes);
  }
  if (haveSameBatch(lhsType, rhsType) && lhsType.getRank() == rank &&
      canMergeLeading(lhsType, rank - 2) && canMergeLeading(rhsType, rank - 2)) {
    // Merge the batch dims into one for linalg.batch_matmul.
    int64_t batchRank = rank - 2;
    SmallVector<ReassociationIndices> groups = collapseLeading(batchRank, 2);
    Value lhs3 = tensor::CollapseShapeOp::create(b, loc, lhs, groups);
    Value rhs3 = tensor::CollapseShapeOp::create(b, loc, rhs, groups);
    int64_t batch = 1;
    for (int64_t d = 0; d < batchRank; ++d)
      batch = ShapedType::isDynamic(batch) || resultType.isDynamicDim(d)
                  ? ShapedType::kDynamic
                  : batch * resultType.getDimSize(d);
    auto type3 = RankedTensorType::get(
        {batch, resultType.getDimSize(rank - 2), resultType.getDimSize(rank - 1)}, elementType);
    Value init = zeroFilled(
        b, loc, type3, {tensor::getMixedSize(b, loc, lhs3, 0), sizes[rank - 2], sizes[rank - 1]});
    Value product =
        linalg::BatchMatmulOp::create(b, loc, TypeRange{type3}, ValueRange{lhs3, rhs3}, init)
            .getResult(0);
    if (batchRank == 1)
      return product;
    return expandShape(b, loc, resultType, product, groups, sizes);
  }
  return buildGenericMatmul(b, loc, lhs, rhs, zeroFilled(b, loc, resultType, sizes));
}

/// Applies numpy's 1-D rules around buildMatmul: a 1-D lhs is a [1, K] row, a 1-D rhs a
/// [K, 1] column, and those unit dims are dropped from the result.
Value buildNumpyMatmul(OpBuilder &b, Location loc, Operation *node, Value lhs, Value rhs,
                       RankedTensorType resultType) {
  bool lhsVector = getType(lhs).getRank() == 1, rhsVector = getType(rhs).getRank() == 1;
  if (!lhsVector && !rhsVector)
    return buildMatmul(b, loc, node, lhs, rhs, resultType);
  auto expand = [&](Value v, bool front) {
    int64_t k = getType(v).getDimSize(0);
    SmallVector<int64_t> shape = front ? SmallVector<int64_t>{1, k} : SmallVector<int64_t>{k, 1};
    auto type = RankedTensorType::get(shape, getType(v).getElementType());
    return Value(
        tensor::ExpandShapeOp::create(b, loc, type, v, SmallVector<ReassociationIndices>{{0, 1}}));
  };
  SmallVector<int64_t> shape(resultType.getShape());
  if (rhsVector)
    shape.push_back(1);
  if (lhsVector)
    shape.insert(shape.end() - 1, 1);
  int64_t rank = shape.size();
  Value product =
      buildMatmul(b, loc, node, lhsVector ? expand(lhs, true) : lhs, rhsVector ? expand(rhs, false) : rhs,
                  RankedTensorType::get(shape, resultType.getElementType()));
  // Fold each dropped unit dim into its neighbour's reassociation group.
  auto dropped = [&](int64_t d) {
    return (rhsVector && d == rank - 1) || (lhsVector && d == rank - 2);
  };
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t d = 0; d < rank; ++d) {
    if (dropped(d) && !groups.empty()) {
      groups.back().push_back(d);
      continue;
    }
    pending.push_back(d);
    if (!dropped(d)) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  return tensor::CollapseShapeOp::create(b, loc, resultType, product, groups);
}

/// Checks that `a` x `b` is a well-formed numpy matmul; returns a reason if not.
std::optional<StringRef> checkMatmulOperands(Value a, Value b) {
  auto aType = dyn_cast<RankedTensorType>(a.getType());
  auto bType = dyn_cast<RankedTensorType>(b.getType());
  if (!aType || !bType || aType.getRank() == 0 || bType.getRank() == 0)
    return StringRef("A and B must be ranked tensors of rank >= 1");
  int64_t ka = aType.getDimSize(aType.getRank() - 1);
  int64_t kb = bType.getDimSize(bType.getRank() == 1 ? 0 : bType.getRank() - 2);
  if (!ShapedType::isDynamic(ka) && !ShapedType::isDynamic(kb) && ka != kb)
    return StringRef("the contraction dims of A and B differ");
  return std::nullopt;
}

struct MatMulLowering : OnnxLoweringPattern<MatMulOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(MatMulOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (auto reason = checkMatmulOperands(adaptor.getA(), adaptor.getB()))
      return reject(rewriter, op, *reason);
    Location loc = op.getLoc();
    Type elementType = resultType.getElementType();
    if (!elementType.isF16() && !elementType.isBF16()) {
      rewriter.replaceOp(
          op, buildNumpyMatmul(rewriter, loc, op, adaptor.getA(), adaptor.getB(), resultType));
      return success();
    }
    // f16 and bf16 products are summed in f32 and rounded once, as numpy (the ONNX
    // reference) and ONNX Runtime do: rounding every partial sum loses bits with K.
    Type f32 = rewriter.getF32Type();
    Value wide = buildNumpyMatmul(rewriter, loc, op, adaptor.getA(), adaptor.getB(),
                                  resultType.clone(f32));
    SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, wide);
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, elementType);
    int64_t rank = resultType.getRank();
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    Value narrow =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{init.getType()}, ValueRange{wide}, ValueRange{init}, maps,
            SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l,
                                      ValueRange{arith::TruncFOp::create(b, l, elementType,
                                                                          args[0])});
            })
            .getResult(0);
    rewriter.replaceOp(op, castTo(rewriter, loc, narrow, resultType));
    return success();
  }
};

/// The axes of A and B along which a 1-D zero point or scale varies: A's rows (dim
/// rank - 2) and B's columns (the last dim); -1 (scalars only) for a 1-D operand.
int64_t rowAxis(Value a) { return getType(a).getRank() >= 2 ? getType(a).getRank() - 2 : -1; }
int64_t columnAxis(Value b) { return getType(b).getRank() >= 2 ? getType(b).getRank() - 1 : -1; }

/// (A - a_zero_point) x (B - b_zero_point) in i32: the zero points are scalars, per row of
/// A or per column of B. Null after a rejection.
Value buildIntegerMatmul(ConversionPatternRewriter &rewriter, Operation *op, Value a,
                         Value aOriginal, Value aZero, Value b, Value bOriginal, Value bZero,
                         RankedTensorType resultType) {
  Location loc = op->getLoc();
  Value aw = widenMinusZeroPoint(rewriter, loc, op, a, isUnsignedInt(aOriginal.getType()), aZero,
                                 rowAxis(a));
  if (!aw)
    return {};
  Value bw = widenMinusZeroPoint(rewriter, loc, op, b, isUnsignedInt(bOriginal.getType()), bZero,
                                 columnAxis(b));
  if (!bw)
    return {};
  return buildNumpyMatmul(rewriter, loc, op, aw, bw, resultType);
}

/// Y = (A - a_zero_point) x (B - b_zero_point) in i32.
struct MatMulIntegerLowering : OnnxLoweringPattern<MatMulIntegerOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(MatMulIntegerOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (auto reason = checkMatmulOperands(adaptor.getA(), adaptor.getB()))
      return reject(rewriter, op, *reason);
    Value y = buildIntegerMatmul(rewriter, op, adaptor.getA(), op.getA(), adaptor.getAZeroPoint(),
                                 adaptor.getB(), op.getB(), adaptor.getBZeroPoint(), resultType);
    if (!y)
      return failure();
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// The integer product requantized: round(acc * a_scale * b_scale / y_scale) + y_zero_point,
/// the scales per tensor, a_scale per row and b_scale per column allowed.
struct QLinearMatMulLowering : OnnxLoweringPattern<QLinearMatMulOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(QLinearMatMulOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (auto reason = checkMatmulOperands(adaptor.getA(), adaptor.getB()))
      return reject(rewriter, op, *reason);
    for (Value v : {adaptor.getA(), adaptor.getB()})
      if (getType(v).getElementType().getIntOrFloatBitWidth() != 8 ||
          !isa<IntegerType>(getType(v).getElementType()))
        return reject(rewriter, op, "only int8 and uint8 operands are supported");
    if (!isa<IntegerType>(resultType.getElementType()))
      return reject(rewriter, op, "only int8 and uint8 results are supported");
    auto accType = RankedTensorType::get(resultType.getShape(), rewriter.getI32Type());
    Value acc = buildIntegerMatmul(rewriter, op, adaptor.getA(), op.getA(), adaptor.getAZeroPoint(),
                                   adaptor.getB(), op.getB(), adaptor.getBZeroPoint(), accType);
    if (!acc)
      return failure();
    int64_t rank = resultType.getRank();
    int64_t aAxis = rowAxis(adaptor.getA()) >= 0 && rank >= 2 ? rank - 2 : -1;
    int64_t bAxis = columnAxis(adaptor.getB()) >= 0 ? rank - 1 : -1;
    Value y = requantize(rewriter, op.getLoc(), op, acc, adaptor.getAScale(), aAxis,
                         adaptor.getBScale(), bAxis, adaptor.getYScale(),
                         adaptor.getYZeroPoint(), isUnsignedInt(op.getY().getType()), resultType);
    if (!y)
      return failure();
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct GemmLowering : OnnxLoweringPattern<GemmOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(GemmOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value a = adaptor.getA(), b = adaptor.getB(), c = adaptor.getC();
    auto aType = dyn_cast<RankedTensorType>(a.getType());
    auto bType = dyn_cast<RankedTensorType>(b.getType());
    if (!aType || !bType || aType.getRank() != 2 || bType.getRank() != 2 ||
        resultType.getRank() != 2)
      return reject(rewriter, op, "A, B and Y must be 2-D tensors");
    bool hasC = !isa<NoneType>(c.getType());
    if (hasC && (!isa<RankedTensorType>(c.getType()) || getType(c).getRank() > 2))
      return reject(rewriter, op, "C must be a ranked tensor of rank <= 2");
    bool transA = op.getTransA() != 0, transB = op.getTransB() != 0;
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();

    // (m, n, k) iteration; transposition is only a different operand map, so the op
    // stays a linalg.matmul.
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    auto map = [&](AffineExpr r, AffineExpr c) { return AffineMap::get(3, 0, {r, c}, ctx); };
    SmallVector<Attribute> maps{AffineMapAttr::get(transA ? map(k, m) : map(m, k)),
                                AffineMapAttr::get(transB ? map(n, k) : map(k, n)),
                                AffineMapAttr::get(map(m, n))};
    SmallVector<OpFoldResult> sizes{
        resultType.isDynamicDim(0) ? tensor::getMixedSize(rewriter, loc, a, transA ? 1 : 0)
                                   : rewriter.getIndexAttr(resultType.getDimSize(0)),
        resultType.isDynamicDim(1) ? tensor::getMixedSize(rewriter, loc, b, transB ? 0 : 1)
                                   : rewriter.getIndexAttr(resultType.getDimSize(1))};
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, a, transA ? 0 : 1),
                    tensor::getMixedSize(rewriter, loc, b, transB ? 1 : 0),
                    "A has {} columns (after transA) but B has {} rows (after transB); "
                    "expected equal inner dimensions");
    Value init = zeroFilled(rewriter, loc, resultType, sizes);
    Value result = linalg::MatmulOp::create(
                       rewriter, loc, TypeRange{resultType}, ValueRange{a, b}, init,
                       {rewriter.getNamedAttr("indexing_maps", rewriter.getArrayAttr(maps))})
                       .getResult(0);

    // Epilogue: Y = alpha * AB + beta * C (C broadcast to [M, N]).
    bool useC = hasC && beta != 0.0;
    if (alpha != 1.0 || useC) {
      SmallVector<Value> inputs{result};
      if (useC)
        inputs.push_back(c);
      Type elementType = resultType.getElementType();
      bool isFloat = isa<FloatType>(elementType);
      Value alphaValue = createScalarConstant(rewriter, loc, elementType, alpha);
      Value betaValue = createScalarConstant(rewriter, loc, elementType, beta);
      result = buildElementwise(
          rewriter, loc, resultType, inputs, [&](OpBuilder &nb, Location l, ValueRange args) {
            auto mul = [&](Value x, double factor, Value factorValue) -> Value {
              if (factor == 1.0)
                return x;
              return isFloat ? Value(arith::MulFOp::create(nb, l, x, factorValue))
                             : Value(arith::MulIOp::create(nb, l, x, factorValue));
            };
            Value y = mul(args[0], alpha, alphaValue);
            if (args.size() == 1)
              return y;
            Value z = mul(args[1], beta, betaValue);
            return isFloat ? Value(arith::AddFOp::create(nb, l, y, z))
                           : Value(arith::AddIOp::create(nb, l, y, z));
          },
          op);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateMatMulPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, MatMulIntegerLowering, QLinearMatMulLowering, GemmLowering>(
      converter, patterns.getContext());
}

} // namespace kiln::conversion
