//===- AffineGrid.cpp - Lower AffineGrid ----------------------------------===//
//
// AffineGrid maps the normalized coordinates of an N x spatial... grid through theta
// (N x S x (S + 1)): grid[n, p..., r] = sum_k theta[n, r, k] * base_k(p) + theta[n, r, S],
// where base_k is the coordinate along spatial axis S - 1 - k (x is the innermost axis),
// -1 + (2 p + 1) / size, or -1 + 2 p / (size - 1) with align_corners (-1 for a size of
// 1, as numpy's arange in the reference). One linalg.generic over the result computes it
// in f32 (f64 for f64 theta); `size` may be a run-time value.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct AffineGridLowering : OnnxLoweringPattern<AffineGridOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(AffineGridOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value theta = adaptor.getTheta(), size = adaptor.getSize();
    RankedTensorType thetaType = getRankedInputType(rewriter, op, theta, "theta");
    RankedTensorType sizeType = getRankedInputType(rewriter, op, size, "size");
    if (!thetaType || !sizeType)
      return failure();
    if (sizeType.getRank() != 1 || sizeType.isDynamicDim(0))
      return reject(rewriter, op, "size must be a 1-D tensor of static length");
    int64_t spatial = sizeType.getDimSize(0) - 2;
    if (spatial < 1 || thetaType.getRank() != 3 || resultType.getRank() != spatial + 2)
      return reject(rewriter, op, "theta must be N x S x (S + 1) and size N, C and S sizes");
    for (int64_t d = 1; d <= 2; ++d) {
      int64_t want = d == 1 ? spatial : spatial + 1;
      if (!thetaType.isDynamicDim(d) && thetaType.getDimSize(d) != want)
        return reject(rewriter, op,
                      "theta has size " + Twine(thetaType.getDimSize(d)) + " in dim " + Twine(d) +
                          " where size implies " + Twine(want));
    }
    Location loc = op.getLoc();
    SmallVector<Value> sizes = getIndexValues(rewriter, loc, size, spatial + 2);
    checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(sizes[0]),
                    tensor::getMixedSize(rewriter, loc, theta, 0),
                    "size has {} batches where theta has {}");
    for (int64_t d = 1; d <= 2; ++d)
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, theta, d),
                      rewriter.getIndexAttr(d == 1 ? spatial : spatial + 1),
                      "theta has size {} in dim " + Twine(d) + " where size implies {}");
    SmallVector<Value> outSizes{getDimValue(rewriter, loc, theta, 0)};
    for (int64_t d = 0; d < spatial; ++d) {
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(sizes[d + 2]),
                 rewriter.getIndexAttr(0),
                 "size has {} in spatial dim " + Twine(d) + ", which is below {}");
      outSizes.push_back(sizes[d + 2]);
    }
    outSizes.push_back(arith::ConstantIndexOp::create(rewriter, loc, spatial));
    int64_t rank = spatial + 2;
    for (int64_t d = 0; d < rank; ++d)
      if (!resultType.isDynamicDim(d))
        checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(outSizes[d]),
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "grid has size {} in dim " + Twine(d) +
                            " where the model's shapes imply {}");

    auto elemType = cast<FloatType>(resultType.getElementType());
    FloatType computeType = elemType.isF64() ? elemType : rewriter.getF32Type();
    bool alignCorners = op.getAlignCorners() != 0;
    auto body = [&](OpBuilder &b, Location nloc, ValueRange) {
      auto c = [&](double v) -> Value {
        return arith::ConstantOp::create(b, nloc, b.getFloatAttr(computeType, v));
      };
      auto toFloat = [&](Value index) -> Value {
        Value i = arith::IndexCastOp::create(b, nloc, b.getI64Type(), index);
        return arith::SIToFPOp::create(b, nloc, computeType, i);
      };
      auto read = [&](Value n, Value r, int64_t k) -> Value {
        Value v = tensor::ExtractOp::create(
            b, nloc, theta, ValueRange{n, r, arith::ConstantIndexOp::create(b, nloc, k)});
        return v.getType() == computeType ? v : arith::ExtFOp::create(b, nloc, computeType, v);
      };
      Value n = linalg::IndexOp::create(b, nloc, 0);
      Value r = linalg::IndexOp::create(b, nloc, rank - 1);
      Value acc = read(n, r, spatial);
      for (int64_t k = 0; k < spatial; ++k) {
        int64_t axis = spatial - 1 - k; // x, the first coordinate, runs along the last axis
        Value p = toFloat(linalg::IndexOp::create(b, nloc, axis + 1));
        Value extent = toFloat(sizes[axis + 2]);
        Value coord;
        if (alignCorners) {
          Value steps = arith::SubFOp::create(b, nloc, extent, c(1.0));
          Value ratio =
              arith::DivFOp::create(b, nloc, arith::MulFOp::create(b, nloc, p, c(2.0)), steps);
          Value single = arith::CmpFOp::create(b, nloc, arith::CmpFPredicate::OLE, steps, c(0.0));
          coord = arith::SelectOp::create(b, nloc, single, c(-1.0),
                                          arith::AddFOp::create(b, nloc, ratio, c(-1.0)));
        } else {
          Value twice =
              arith::AddFOp::create(b, nloc, arith::MulFOp::create(b, nloc, p, c(2.0)), c(1.0));
          coord = arith::AddFOp::create(b, nloc, arith::DivFOp::create(b, nloc, twice, extent),
                                        c(-1.0));
        }
        acc = arith::AddFOp::create(b, nloc, acc,
                                    arith::MulFOp::create(b, nloc, read(n, r, k), coord));
      }
      if (acc.getType() != elemType)
        acc = arith::TruncFOp::create(b, nloc, elemType, acc);
      linalg::YieldOp::create(b, nloc, acc);
    };
    Value init =
        createEmpty(rewriter, loc, resultType, dynamicSizesOf(rewriter, loc, resultType, outSizes));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
        ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(rank)}, iterators, body);
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateAffineGridPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<AffineGridLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
