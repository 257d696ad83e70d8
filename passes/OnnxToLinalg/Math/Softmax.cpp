//===- Softmax.cpp - Lower onnx Softmax, LogSoftmax, Hardmax to linalg ----===//
//
// Opset 13 semantics: the op normalizes along the single dim `axis`. Softmax and
// LogSoftmax subtract the max along the axis before exponentiating so large inputs do
// not overflow:
//   m = max(x), s = sum(exp(x - m)), softmax = exp(x - m) / s, logsoftmax = x - m - log(s)
// Hardmax is 1 at the first maximum along the axis and 0 elsewhere.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Math/Softmax.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/ReduceDims.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {

Value buildSoftmax(OpBuilder &b, Location loc, Value x, int64_t axis,
                   RankedTensorType resultType, bool isLog) {
  Type elementType = resultType.getElementType();
  SmallVector<bool> reduced(resultType.getRank(), false);
  reduced[axis] = true;

  Value lowest = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(elementType, -std::numeric_limits<double>::infinity()));
  Value max = reduceDims(b, loc, x, reduced, {}, lowest,
                         [](OpBuilder &nb, Location l, Value in, ValueRange, Value acc) {
                           return arith::MaximumFOp::create(nb, l, acc, in);
                         });
  // f16 and bf16 are summed in f32 and the sum rounded once (a sum rounded to 11 bits
  // after every term loses the small ones; numpy and ONNX Runtime sum in f32 too). The
  // other intermediates are rounded to the element type where the ONNX function body
  // of Softmax (Sub, Exp, ReduceSum, Div) and LogSoftmax (Sub, Exp, ReduceSum, Log,
  // Sub) has T-typed values between its ops, as the ONNX reference computes them.
  Type computeType = elementType.isF16() || elementType.isBF16() ? b.getF32Type() : elementType;
  auto widen = [computeType](OpBuilder &nb, Location l, Value v) {
    return v.getType() == computeType ? v : Value(arith::ExtFOp::create(nb, l, computeType, v));
  };
  auto round = [&](OpBuilder &nb, Location l, Value v) -> Value {
    if (computeType == elementType)
      return v;
    Value rounded = arith::TruncFOp::create(nb, l, elementType, v);
    return arith::ExtFOp::create(nb, l, computeType, rounded);
  };
  Value zero = createScalarConstant(b, loc, computeType, 0);
  Value sum = reduceDims(
      b, loc, x, reduced, max, zero,
      [&](OpBuilder &nb, Location l, Value in, ValueRange kept, Value acc) -> Value {
        Value shifted =
            round(nb, l, arith::SubFOp::create(nb, l, widen(nb, l, in), widen(nb, l, kept[0])));
        return arith::AddFOp::create(nb, l, acc, round(nb, l, math::ExpOp::create(nb, l, shifted)));
      });

  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<bool> keep(rank, true);
  keep[axis] = false;
  AffineMap projection = getProjectionMap(ctx, keep);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  Value init = createEmptyLike(b, loc, resultType, x);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{x, max, sum}, ValueRange{init},
      SmallVector<AffineMap>{identity, projection, projection, identity}, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value shifted = round(
            nb, l, arith::SubFOp::create(nb, l, widen(nb, l, args[0]), widen(nb, l, args[1])));
        Value total = round(nb, l, args[2]);
        Value y = isLog ? Value(arith::SubFOp::create(
                              nb, l, shifted, round(nb, l, math::LogOp::create(nb, l, total))))
                        : Value(arith::DivFOp::create(
                              nb, l, round(nb, l, math::ExpOp::create(nb, l, shifted)), total));
        if (y.getType() != elementType)
          y = arith::TruncFOp::create(nb, l, elementType, y);
        linalg::YieldOp::create(nb, l, y);
      });
  return generic.getResult(0);
}

namespace {

/// Reads the axis and checks the operand; returns the normalized axis or -1 after
/// notifying a match failure.
int64_t getSoftmaxAxis(ConversionPatternRewriter &rewriter, Operation *op, Value input,
                       RankedTensorType resultType) {
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  if (!inputType || inputType.getRank() != resultType.getRank() || inputType.getRank() == 0) {
    (void)reject(rewriter, op, "the input must be a ranked tensor of rank >= 1");
    return -1;
  }
  FailureOr<int64_t> axis = normalizeAxis(
      op->getAttrOfType<IntegerAttr>("axis") ? op->getAttrOfType<IntegerAttr>("axis").getInt() : -1,
      inputType.getRank(), /*emitError=*/nullptr);
  if (failed(axis)) {
    (void)reject(rewriter, op, "axis is out of range");
    return -1;
  }
  // The kernels iterate over the result's dims and read the input with identity maps.
  checkCastSizes(rewriter, op->getLoc(), op, input, resultType, "the input");
  return *axis;
}

/// Softmax (IsLog = false) and LogSoftmax (IsLog = true).
template <typename OpTy, bool IsLog> struct SoftmaxLowering : OnnxLoweringPattern<OpTy> {
  using OnnxLoweringPattern<OpTy>::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(OpTy op, typename OpTy::Adaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t axis = getSoftmaxAxis(rewriter, op, x, resultType);
    if (axis < 0)
      return failure();
    rewriter.replaceOp(op, buildSoftmax(rewriter, loc, x, axis, resultType, IsLog));
    return success();
  }
};

struct HardmaxLowering : OnnxLoweringPattern<HardmaxOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(HardmaxOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t axis = getSoftmaxAxis(rewriter, op, x, resultType);
    if (axis < 0)
      return failure();
    MLIRContext *ctx = rewriter.getContext();
    Type elementType = resultType.getElementType();
    int64_t rank = resultType.getRank();
    auto inputType = cast<RankedTensorType>(x.getType());

    // argmax along the axis: a generic with two accumulators, (max, index); strict >
    // keeps the first maximum.
    SmallVector<bool> keep(rank, true);
    keep[axis] = false;
    SmallVector<int64_t> keptShape;
    SmallVector<Value> keptSizes;
    for (int64_t d = 0; d < rank; ++d) {
      if (!keep[d])
        continue;
      keptShape.push_back(inputType.getDimSize(d));
      if (inputType.isDynamicDim(d))
        keptSizes.push_back(tensor::DimOp::create(rewriter, loc, x, d));
    }
    auto maxType = RankedTensorType::get(keptShape, elementType);
    auto indexType = RankedTensorType::get(keptShape, rewriter.getI64Type());
    Value lowest = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getFloatAttr(elementType, -std::numeric_limits<double>::infinity()));
    Value maxInit = fill(rewriter, loc, createEmpty(rewriter, loc, maxType, keptSizes), lowest);
    Value indexInit = fill(rewriter, loc, createEmpty(rewriter, loc, indexType, keptSizes),
                           arith::ConstantOp::create(rewriter, loc, rewriter.getI64IntegerAttr(0)));
    AffineMap projection = getProjectionMap(ctx, keep);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators[axis] = utils::IteratorType::reduction;
    auto argmax = linalg::GenericOp::create(
        rewriter, loc, TypeRange{maxType, indexType}, ValueRange{x}, ValueRange{maxInit, indexInit},
        SmallVector<AffineMap>{identity, projection, projection}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value index =
              arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          Value greater = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, args[0], args[1]);
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, greater, args[0], args[1]),
                         arith::SelectOp::create(b, l, greater, index, args[2])});
        });

    Value one = createScalarConstant(rewriter, loc, elementType, 1);
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    Value init = createEmptyLike(rewriter, loc, resultType, x);
    SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{argmax.getResult(1)}, ValueRange{init},
        SmallVector<AffineMap>{projection, identity}, parallel,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value index =
              arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          Value isMax = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, index, args[0]);
          linalg::YieldOp::create(b, l, Value(arith::SelectOp::create(b, l, isMax, one, zero)));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateSoftmaxPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns
      .add<SoftmaxLowering<SoftmaxOp, false>, SoftmaxLowering<LogSoftmaxOp, true>, HardmaxLowering>(
          converter, ctx);
}

} // namespace kiln::conversion
