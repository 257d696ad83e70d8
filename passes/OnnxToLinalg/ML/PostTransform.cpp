//===- PostTransform.cpp - The score transforms of the ai.onnx.ml ops -----===//
//
// LOGISTIC and PROBIT are elementwise; SOFTMAX is the max-subtracted softmax of each row;
// SOFTMAX_ZERO leaves the zero scores of a row at zero and takes the softmax of the others
// (ONNX Runtime's ComputeSoftmaxZero). PROBIT is sqrt(2) * erfinv(2x - 1) with ONNX
// Runtime's closed-form erfinv approximation.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ML/PostTransform.h"
#include "passes/OnnxToLinalg/Math/Softmax.h"
#include "passes/OnnxToLinalg/Support/ReduceDims.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

/// A generic over `scores`' shape whose element is `fn(score, rowValues...)`, the row
/// values being 1-D tensors of one element per row.
Value mapRows(OpBuilder &b, Location loc, Value scores, ValueRange rowValues,
              function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  auto type = cast<RankedTensorType>(scores.getType());
  MLIRContext *ctx = b.getContext();
  AffineMap identity = b.getMultiDimIdentityMap(2);
  AffineMap row = getProjectionMap(ctx, {true, false});
  SmallVector<Value> ins{scores};
  ins.append(rowValues.begin(), rowValues.end());
  SmallVector<AffineMap> maps{identity};
  maps.append(rowValues.size(), row);
  maps.push_back(identity);
  SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, loc, TypeRange{type}, ins,
                                   ValueRange{createEmptyLike(b, loc, type, scores)}, maps, iters,
                                   [&](OpBuilder &nb, Location l, ValueRange args) {
                                     linalg::YieldOp::create(nb, l,
                                                             fn(nb, l, args.drop_back()));
                                   })
      .getResult(0);
}

Value cst(OpBuilder &b, Location loc, Type type, double v) {
  return createScalarConstant(b, loc, type, v);
}

} // namespace

Value applyPostTransform(OpBuilder &b, Location loc, Value scores, PostTransform kind) {
  auto type = cast<RankedTensorType>(scores.getType());
  Type elem = type.getElementType();
  switch (kind) {
  case PostTransform::None:
    return scores;
  case PostTransform::Softmax:
    return buildSoftmax(b, loc, scores, 1, type, /*isLog=*/false);
  case PostTransform::Logistic:
    return mapRows(b, loc, scores, {}, [&](OpBuilder &nb, Location l, ValueRange a) {
      // 1 / (1 + exp(-x))
      Value e = math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, a[0]));
      Value one = cst(nb, l, elem, 1.0);
      return Value(arith::DivFOp::create(nb, l, one, arith::AddFOp::create(nb, l, one, e)));
    });
  case PostTransform::Probit:
    return mapRows(b, loc, scores, {}, [&](OpBuilder &nb, Location l, ValueRange a) {
      // erfinv(y), y = 2x - 1: sign(y) * sqrt(-v + sqrt(v^2 - ln(1 - y^2) / 0.147)),
      // v = 2 / (pi * 0.147) + ln(1 - y^2) / 2.
      auto c = [&](double v) { return cst(nb, l, elem, v); };
      Value y = arith::SubFOp::create(nb, l, arith::MulFOp::create(nb, l, a[0], c(2.0)), c(1.0));
      Value w = arith::MulFOp::create(nb, l, arith::SubFOp::create(nb, l, c(1.0), y),
                                      arith::AddFOp::create(nb, l, c(1.0), y));
      Value lg = math::LogOp::create(nb, l, w);
      Value v = arith::AddFOp::create(nb, l, c(2.0 / (3.14159 * 0.147)),
                                      arith::MulFOp::create(nb, l, c(0.5), lg));
      Value v2 = arith::MulFOp::create(nb, l, c(1.0 / 0.147), lg);
      Value root = math::SqrtOp::create(
          nb, l, arith::SubFOp::create(nb, l, arith::MulFOp::create(nb, l, v, v), v2));
      Value mag = math::SqrtOp::create(nb, l, arith::SubFOp::create(nb, l, root, v));
      Value neg = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT, y, c(0.0));
      Value erfinv =
          arith::SelectOp::create(nb, l, neg, arith::NegFOp::create(nb, l, mag), mag);
      return Value(arith::MulFOp::create(nb, l, c(1.41421356), erfinv));
    });
  case PostTransform::SoftmaxZero: {
    // m = max of the row; e = exp(x - m) where |x| > 1e-7, else 0; s = sum of e;
    // y = e / s where |x| > 1e-7, else x * exp(-m) / s.
    Value lowest = createScalarConstant(b, loc, elem, -std::numeric_limits<double>::infinity());
    Value max = reduceDims(b, loc, scores, {false, true}, {}, lowest,
                           [](OpBuilder &nb, Location l, Value x, ValueRange, Value acc) {
                             return Value(arith::MaximumFOp::create(nb, l, x, acc));
                           });
    auto nonZero = [&](OpBuilder &nb, Location l, Value x) {
      Value ax = math::AbsFOp::create(nb, l, x);
      return arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, ax, cst(nb, l, elem, 1e-7));
    };
    Value e = mapRows(b, loc, scores, {max}, [&](OpBuilder &nb, Location l, ValueRange a) {
      Value ex = math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, a[0], a[1]));
      return Value(arith::SelectOp::create(nb, l, nonZero(nb, l, a[0]), ex,
                                           cst(nb, l, elem, 0.0)));
    });
    Value sum = reduceDims(b, loc, e, {false, true}, {}, cst(b, loc, elem, 0.0),
                           [](OpBuilder &nb, Location l, Value x, ValueRange, Value acc) {
                             return Value(arith::AddFOp::create(nb, l, x, acc));
                           });
    auto eType = cast<RankedTensorType>(e.getType());
    // Read e alongside the scores: a generic over both.
    MLIRContext *ctx = b.getContext();
    AffineMap identity = b.getMultiDimIdentityMap(2);
    AffineMap row = getProjectionMap(ctx, {true, false});
    SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, TypeRange{eType}, ValueRange{scores, e, max, sum},
               ValueRange{createEmptyLike(b, loc, eType, scores)},
               SmallVector<AffineMap>{identity, identity, row, row, identity}, iters,
               [&](OpBuilder &nb, Location l, ValueRange a) {
                 Value zeroPart = arith::MulFOp::create(
                     nb, l, a[0], math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, a[2])));
                 Value num = arith::SelectOp::create(nb, l, nonZero(nb, l, a[0]), a[1], zeroPart);
                 linalg::YieldOp::create(nb, l,
                                         Value(arith::DivFOp::create(nb, l, num, a[3])));
               })
        .getResult(0);
  }
  }
  return scores;
}

} // namespace kiln::conversion
