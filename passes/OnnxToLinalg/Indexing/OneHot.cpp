//===- OneHot.cpp - Lower onnx.OneHot to one linalg.generic ---------------===//
//
// OneHot compares each index with the position along the new axis. It reads no memory
// at a position taken from data, so it needs no run-time index check (out-of-range
// indices select off_value, as ONNX says).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Converts an integer or float scalar to i64 (floats truncate toward zero).
Value toI64(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  Type i64 = b.getI64Type();
  if (isa<FloatType>(v.getType()))
    return arith::FPToSIOp::create(b, loc, i64, v);
  unsigned width = v.getType().getIntOrFloatBitWidth();
  if (width == 64)
    return v;
  if (width > 64)
    return arith::TruncIOp::create(b, loc, i64, v);
  return isUnsigned ? Value(arith::ExtUIOp::create(b, loc, i64, v))
                    : Value(arith::ExtSIOp::create(b, loc, i64, v));
}

/// OneHot: out[..., a, ...] = indices[...] (wrapped by depth) == a ? on : off.
struct OneHotLowering : OnnxLoweringPattern<OneHotOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(OneHotOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value indices = adaptor.getIndices(), depth = adaptor.getDepth(),
          values = adaptor.getValues();
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto valuesType = dyn_cast<RankedTensorType>(values.getType());
    auto depthType = dyn_cast<RankedTensorType>(depth.getType());
    if (!indicesType || !valuesType || !depthType || valuesType.getRank() != 1)
      return reject(rewriter, op, "an input is not a ranked tensor");
    int64_t q = indicesType.getRank(), rank = q + 1;
    if (resultType.getRank() != rank)
      return reject(rewriter, op, "the result rank is not indices rank + 1");
    if (valuesType.getElementType() != resultType.getElementType())
      return reject(rewriter, op, "values and result element types differ");
    FailureOr<int64_t> normalized =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    Location loc = op.getLoc();
    bool indicesUnsigned = isUnsignedInt(op.getIndices().getType());
    Value depth64 = toI64(rewriter, loc, extractScalar(rewriter, loc, depth),
                          isUnsignedInt(op.getDepth().getType()));
    Value off = tensor::ExtractOp::create(rewriter, loc, values,
                                          ValueRange{arith::ConstantIndexOp::create(rewriter, loc, 0)});
    Value on = tensor::ExtractOp::create(rewriter, loc, values,
                                         ValueRange{arith::ConstantIndexOp::create(rewriter, loc, 1)});
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d) {
      if (!resultType.isDynamicDim(d))
        continue;
      if (d == axis)
        dyn.push_back(arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), depth64));
      else
        dyn.push_back(getDimValue(rewriter, loc, indices, d < axis ? d : d - 1));
    }
    Value init = createEmpty(rewriter, loc, resultType, dyn);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        exprs.push_back(getAffineDimExpr(d, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, exprs, ctx),
                                rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{indices}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx = toI64(b, l, args[0], indicesUnsigned);
          Value zero = arith::ConstantIntOp::create(b, l, b.getI64Type(), 0);
          Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
          idx = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, idx, depth64), idx);
          Value pos = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                                 linalg::IndexOp::create(b, l, axis));
          Value eq = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, idx, pos);
          linalg::YieldOp::create(b, l, arith::SelectOp::create(b, l, eq, on, off).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateOneHotPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<OneHotLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
