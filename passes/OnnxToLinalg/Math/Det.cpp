//===- Det.cpp - Lower onnx.Det to scf loops ------------------------------===//
//
// Det of each trailing [M, M] matrix by Gaussian elimination with partial pivoting
// (the LU factorization LAPACK and ONNX Runtime use): the product of the pivots, negated
// per row swap. Computed in f32 for the 16-bit floats, in the element type otherwise.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// A unit-step scf.for from `lb` to `ub` carrying `inits`.
ValueRange
forLoop(OpBuilder &b, Location loc, Value lb, Value ub, ValueRange inits,
        function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)> body) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(b, loc, lb, ub, one, inits,
                                 [&](OpBuilder &nb, Location l, Value iv, ValueRange args) {
                                   scf::YieldOp::create(nb, l, body(nb, l, iv, args));
                                 });
  return loop.getResults();
}

/// The determinant of the [n, n] matrix `a` (a tensor of float type `type`).
Value determinant(OpBuilder &b, Location loc, Value a, Value n, Type type) {
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
  Value zero = createScalarConstant(b, loc, type, 0);
  Value one = createScalarConstant(b, loc, type, 1);
  ValueRange result = forLoop(
      b, loc, zeroIdx, n, ValueRange{a, one},
      [&](OpBuilder &b, Location l, Value k, ValueRange acc) -> SmallVector<Value> {
        Value m = acc[0], det = acc[1];
        // The pivot row: the largest |m[i, k]| for i >= k, the first among equals.
        ValueRange pivot = forLoop(
            b, l, k, n, ValueRange{createScalarConstant(b, l, type, -1), k},
            [&](OpBuilder &b, Location l, Value i, ValueRange best) -> SmallVector<Value> {
              Value v =
                  math::AbsFOp::create(b, l, tensor::ExtractOp::create(b, l, m, ValueRange{i, k}));
              Value take = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, v, best[0]);
              return {arith::SelectOp::create(b, l, take, v, best[0]),
                      arith::SelectOp::create(b, l, take, i, best[1])};
            });
        Value p = pivot[1];
        // Swap rows k and p (a no-op when p == k).
        m = forLoop(b, l, zeroIdx, n, ValueRange{m},
                    [&](OpBuilder &b, Location l, Value j, ValueRange t) -> SmallVector<Value> {
                      Value rowK = tensor::ExtractOp::create(b, l, t[0], ValueRange{k, j});
                      Value rowP = tensor::ExtractOp::create(b, l, t[0], ValueRange{p, j});
                      Value s = tensor::InsertOp::create(b, l, rowP, t[0], ValueRange{k, j});
                      return {tensor::InsertOp::create(b, l, rowK, s, ValueRange{p, j})};
                    })
                .front();
        Value swapped = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, p, k);
        det = arith::SelectOp::create(b, l, swapped, arith::NegFOp::create(b, l, det), det);
        Value pivotValue = tensor::ExtractOp::create(b, l, m, ValueRange{k, k});
        det = arith::MulFOp::create(b, l, det, pivotValue);
        // Eliminate below the pivot (nothing to do when it is 0: det is 0 then).
        Value singular = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, pivotValue, zero);
        Value next = arith::AddIOp::create(b, l, k, oneIdx);
        m = forLoop(
                b, l, next, n, ValueRange{m},
                [&](OpBuilder &b, Location l, Value i, ValueRange t) -> SmallVector<Value> {
                  Value ratio = arith::DivFOp::create(
                      b, l, tensor::ExtractOp::create(b, l, t[0], ValueRange{i, k}), pivotValue);
                  Value f = arith::SelectOp::create(b, l, singular, zero, ratio);
                  return {
                      forLoop(b, l, next, n, ValueRange{t[0]},
                              [&](OpBuilder &b, Location l, Value j,
                                  ValueRange u) -> SmallVector<Value> {
                                Value aij = tensor::ExtractOp::create(b, l, u[0], ValueRange{i, j});
                                Value akj = tensor::ExtractOp::create(b, l, u[0], ValueRange{k, j});
                                Value v = arith::SubFOp::create(
                                    b, l, aij, arith::MulFOp::create(b, l, f, akj));
                                return {tensor::InsertOp::create(b, l, v, u[0], ValueRange{i, j})};
                              })
                          .front()};
                })
                .front();
        return {m, det};
      });
  return result[1];
}

struct DetLowering : OnnxLoweringPattern<DetOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(DetOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    auto xType = getRankedInputType(rewriter, op, x);
    if (!xType)
      return failure();
    int64_t rank = xType.getRank();
    if (rank < 2)
      return reject(rewriter, op, "the input has rank < 2");
    if (resultType.getRank() != rank - 2)
      return reject(rewriter, op, "the result rank is not the input's minus 2");
    auto elemType = dyn_cast<FloatType>(xType.getElementType());
    if (!elemType)
      return reject(rewriter, op, "the input is not a float tensor");
    Type computeType = elemType.getWidth() < 32 ? rewriter.getF32Type() : elemType;
    Location loc = op.getLoc();
    SmallVector<Value> sizes = getSizes(rewriter, loc, x);
    Value n = sizes[rank - 1];
    checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(sizes[rank - 2]), getAsOpFoldResult(n),
                    "the matrices are {} x {}, not square");
    SmallVector<Value> batch(sizes.begin(), sizes.end() - 2);
    auto batchType = RankedTensorType::get(xType.getShape().drop_back(2), elemType);
    Value init =
        createEmpty(rewriter, loc, batchType, dynamicSizesOf(rewriter, loc, batchType, batch));
    auto matrixType =
        RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic}, computeType);
    MLIRContext *ctx = rewriter.getContext();
    Value result =
        loopNest(
            rewriter, loc, batch, ValueRange{init},
            [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) -> SmallVector<Value> {
              // This matrix, in the compute type.
              Value empty = createEmpty(b, l, matrixType, ValueRange{n, n});
              auto copy = linalg::GenericOp::create(
                  b, l, TypeRange{matrixType}, ValueRange{}, ValueRange{empty},
                  SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(2, ctx)},
                  SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
                  [&](OpBuilder &gb, Location gl, ValueRange) {
                    SmallVector<Value> idx(ivs.begin(), ivs.end());
                    idx.push_back(linalg::IndexOp::create(gb, gl, 0));
                    idx.push_back(linalg::IndexOp::create(gb, gl, 1));
                    Value v = tensor::ExtractOp::create(gb, gl, x, idx);
                    if (v.getType() != computeType)
                      v = arith::ExtFOp::create(gb, gl, computeType, v);
                    linalg::YieldOp::create(gb, gl, v);
                  });
              Value det = determinant(b, l, copy.getResult(0), n, computeType);
              if (det.getType() != elemType)
                det = arith::TruncFOp::create(b, l, elemType, det);
              return {tensor::InsertOp::create(b, l, det, acc[0], ivs)};
            })
            .front();
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateDetPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<DetLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
