//===- RoiAlign.cpp - Lower RoiAlign --------------------------------------===//
//
// RoiAlign (opset 16+; RoiAlign 10 is upgraded to it) as one linalg.generic over the
// R x C x output_height x output_width result. Each element maps its bin of its region
// of interest onto X (spatial_scale, and half a pixel off with half_pixel), samples a
// grid of sampling_ratio^2 points in the bin (ceil(bin size) per axis when sampling_ratio
// is 0: a run-time trip count, hence two scf.for in the body), interpolates each point
// bilinearly from its four neighbours (tensor.extract at indices clamped into X) and
// averages the points or, with mode = max, keeps the largest weighted neighbour (as ONNX
// Runtime and the reference do). The arithmetic follows onnx/reference/ops/op_roi_align.py
// in f64. batch_indices are checked against the batch of X before the kernel.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <array>
#include <limits>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct RoiAlignLowering : OnnxLoweringPattern<RoiAlignOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(RoiAlignOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX(), rois = adaptor.getRois(), batches = adaptor.getBatchIndices();
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    RankedTensorType roisType = getRankedInputType(rewriter, op, rois, "rois");
    RankedTensorType batchType = getRankedInputType(rewriter, op, batches, "batch_indices");
    if (!xType || !roisType || !batchType)
      return failure();
    if (xType.getRank() != 4 || roisType.getRank() != 2 || batchType.getRank() != 1 ||
        resultType.getRank() != 4)
      return reject(rewriter, op, "X must be N x C x H x W, rois R x 4 and batch_indices R");
    if (!roisType.isDynamicDim(1) && roisType.getDimSize(1) != 4)
      return reject(rewriter, op,
                    "rois must have 4 coordinates per region, not " +
                        Twine(roisType.getDimSize(1)));
    StringRef mode = op.getMode(), ctm = op.getCoordinateTransformationMode();
    if (mode != "avg" && mode != "max")
      return reject(rewriter, op, "unknown mode '" + mode + "'");
    if (ctm != "half_pixel" && ctm != "output_half_pixel")
      return reject(rewriter, op, "unknown coordinate_transformation_mode '" + ctm + "'");
    int64_t outH = op.getOutputHeight(), outW = op.getOutputWidth();
    int64_t samplingRatio = op.getSamplingRatio();
    if (outH < 1 || outW < 1 || samplingRatio < 0)
      return reject(rewriter, op,
                    "output_height and output_width must be positive and "
                    "sampling_ratio not negative");
    bool halfPixel = ctm == "half_pixel", isMax = mode == "max";
    double scale = op.getSpatialScale().convertToDouble();

    Location loc = op.getLoc();
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, rois, 1),
                    rewriter.getIndexAttr(4), "rois has {} coordinates per region, not {}");
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, batches, 0),
                    tensor::getMixedSize(rewriter, loc, rois, 0),
                    "batch_indices has {} entries where rois has {} regions");
    Value batchDim = getDimValue(rewriter, loc, x, 0);
    if (failed(checkIndices(rewriter, op, batches, {batchDim}, {0})))
      return failure();
    SmallVector<Value> outSizes{getDimValue(rewriter, loc, rois, 0),
                                getDimValue(rewriter, loc, x, 1),
                                arith::ConstantIndexOp::create(rewriter, loc, outH),
                                arith::ConstantIndexOp::create(rewriter, loc, outW)};
    for (int64_t d = 0; d < 2; ++d)
      if (!resultType.isDynamicDim(d))
        checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(outSizes[d]),
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "Y has size {} in dim " + Twine(d) + " where the model's shapes imply {}");
    for (int64_t d = 2; d < 4; ++d)
      if (!resultType.isDynamicDim(d) && resultType.getDimSize(d) != (d == 2 ? outH : outW))
        return reject(rewriter, op,
                      "Y has size " + Twine(resultType.getDimSize(d)) + " in dim " + Twine(d) +
                          " where output_height/output_width say otherwise");
    Value height = getDimValue(rewriter, loc, x, 2), width = getDimValue(rewriter, loc, x, 3);
    // Every sample reads X: it must have at least one row and column.
    checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(height),
               rewriter.getIndexAttr(1), "X has height {}, below {}");
    checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(width),
               rewriter.getIndexAttr(1), "X has width {}, below {}");
    auto elemType = cast<FloatType>(resultType.getElementType());

    auto body = [&](OpBuilder &b, Location nloc, ValueRange) {
      Type f64 = b.getF64Type(), i64 = b.getI64Type(), indexType = b.getIndexType();
      auto c = [&](double v) -> Value {
        return arith::ConstantOp::create(b, nloc, b.getF64FloatAttr(v));
      };
      auto cIdx = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, nloc, v); };
      auto add = [&](Value l, Value r) -> Value { return arith::AddFOp::create(b, nloc, l, r); };
      auto sub = [&](Value l, Value r) -> Value { return arith::SubFOp::create(b, nloc, l, r); };
      auto mul = [&](Value l, Value r) -> Value { return arith::MulFOp::create(b, nloc, l, r); };
      auto div = [&](Value l, Value r) -> Value { return arith::DivFOp::create(b, nloc, l, r); };
      auto maxf = [&](Value l, Value r) -> Value {
        return arith::MaxNumFOp::create(b, nloc, l, r);
      };
      auto minf = [&](Value l, Value r) -> Value {
        return arith::MinNumFOp::create(b, nloc, l, r);
      };
      auto cmp = [&](arith::CmpFPredicate p, Value l, Value r) -> Value {
        return arith::CmpFOp::create(b, nloc, p, l, r);
      };
      auto toF64 = [&](Value v) -> Value {
        if (isa<IndexType>(v.getType()))
          v = arith::IndexCastOp::create(b, nloc, i64, v);
        if (isa<IntegerType>(v.getType()))
          return arith::SIToFPOp::create(b, nloc, f64, v);
        return v.getType() == f64 ? v : arith::ExtFOp::create(b, nloc, f64, v);
      };
      auto toIndex = [&](Value v) -> Value { // v is finite and in [0, 2^31]
        return arith::IndexCastOp::create(b, nloc, indexType,
                                          arith::FPToSIOp::create(b, nloc, i64, v));
      };
      Value r = linalg::IndexOp::create(b, nloc, 0), ch = linalg::IndexOp::create(b, nloc, 1);
      Value ph = toF64(linalg::IndexOp::create(b, nloc, 2));
      Value pw = toF64(linalg::IndexOp::create(b, nloc, 3));
      Value batch = tensor::ExtractOp::create(b, nloc, batches, ValueRange{r});
      batch = normalizeIndex(b, nloc, batch, batchDim);
      auto roi = [&](int64_t k) {
        Value v = toF64(tensor::ExtractOp::create(b, nloc, rois, ValueRange{r, cIdx(k)}));
        return sub(mul(v, c(scale)), c(halfPixel ? 0.5 : 0.0));
      };
      Value startW = roi(0), startH = roi(1), endW = roi(2), endH = roi(3);
      Value roiW = sub(endW, startW), roiH = sub(endH, startH);
      if (!halfPixel) {
        roiW = maxf(roiW, c(1.0));
        roiH = maxf(roiH, c(1.0));
      }
      Value binH = div(roiH, c(outH)), binW = div(roiW, c(outW));
      // Samples per bin and axis: sampling_ratio, or ceil of the bin size (at least 0).
      auto samples = [&](Value bin) -> Value {
        if (samplingRatio > 0)
          return cIdx(samplingRatio);
        Value n = minf(maxf(math::CeilOp::create(b, nloc, bin), c(0.0)), c(1 << 30));
        return toIndex(n);
      };
      Value gridH = samples(binH), gridW = samples(binW);
      Value gridHF = toF64(gridH), gridWF = toF64(gridW);
      Value count = maxf(mul(gridHF, gridWF), c(1.0));
      Value heightF = toF64(height), widthF = toF64(width);
      Value lastH = arith::SubIOp::create(b, nloc, height, cIdx(1));
      Value lastW = arith::SubIOp::create(b, nloc, width, cIdx(1));
      Value init = isMax ? c(-std::numeric_limits<double>::infinity()) : c(0.0);

      // The low neighbour, the high one and the weight of the high one along one axis
      // for a sample at `v` (already known to be inside [-1, size]).
      auto neighbours = [&](OpBuilder &lb, Value v, Value size, Value last) {
        v = maxf(v, c(0.0));
        Value lo = toIndex(minf(v, size));
        Value atEnd = arith::CmpIOp::create(lb, nloc, arith::CmpIPredicate::sge, lo, last);
        lo = arith::SelectOp::create(lb, nloc, atEnd, last, lo);
        Value hi = arith::SelectOp::create(lb, nloc, atEnd, last,
                                           arith::AddIOp::create(lb, nloc, lo, cIdx(1)));
        // Never read outside X, whatever the sizes (an empty X has no element to read).
        Value zero = cIdx(0);
        lo = arith::MaxSIOp::create(lb, nloc, lo, zero);
        hi = arith::MaxSIOp::create(lb, nloc, hi, zero);
        Value frac = arith::SelectOp::create(lb, nloc, atEnd, c(0.0), sub(v, toF64(lo)));
        return std::array<Value, 3>{lo, hi, frac};
      };
      auto outer = scf::ForOp::create(
          b, nloc, cIdx(0), gridH, cIdx(1), ValueRange{init},
          [&](OpBuilder &ob, Location, Value iy, ValueRange outerIter) {
            Value y =
                add(add(startH, mul(ph, binH)), div(mul(add(toF64(iy), c(0.5)), binH), gridHF));
            auto inner = scf::ForOp::create(
                ob, nloc, cIdx(0), gridW, cIdx(1), ValueRange{outerIter[0]},
                [&](OpBuilder &ib, Location, Value ix, ValueRange innerIter) {
                  Value xx = add(add(startW, mul(pw, binW)),
                                 div(mul(add(toF64(ix), c(0.5)), binW), gridWF));
                  Value outside = arith::OrIOp::create(
                      ib, nloc,
                      arith::OrIOp::create(ib, nloc, cmp(arith::CmpFPredicate::OLT, y, c(-1.0)),
                                           cmp(arith::CmpFPredicate::OGT, y, heightF)),
                      arith::OrIOp::create(ib, nloc, cmp(arith::CmpFPredicate::OLT, xx, c(-1.0)),
                                           cmp(arith::CmpFPredicate::OGT, xx, widthF)));
                  auto [yLo, yHi, ly] = neighbours(ib, y, heightF, lastH);
                  auto [xLo, xHi, lx] = neighbours(ib, xx, widthF, lastW);
                  Value hy = sub(c(1.0), ly), hx = sub(c(1.0), lx);
                  std::array<Value, 4> weights{mul(hy, hx), mul(hy, lx), mul(ly, hx), mul(ly, lx)};
                  std::array<std::pair<Value, Value>, 4> at{
                      std::pair{yLo, xLo}, {yLo, xHi}, {yHi, xLo}, {yHi, xHi}};
                  Value sample;
                  for (int64_t k = 0; k < 4; ++k) {
                    Value v = toF64(tensor::ExtractOp::create(
                        ib, nloc, x, ValueRange{batch, ch, at[k].first, at[k].second}));
                    Value term =
                        mul(arith::SelectOp::create(ib, nloc, outside, c(0.0), weights[k]), v);
                    sample = !sample ? term
                             : isMax ? Value(arith::MaximumFOp::create(ib, nloc, sample, term))
                                     : add(sample, term);
                  }
                  Value acc = isMax
                                  ? Value(arith::MaximumFOp::create(ib, nloc, innerIter[0], sample))
                                  : add(innerIter[0], sample);
                  scf::YieldOp::create(ib, nloc, acc);
                });
            scf::YieldOp::create(ob, nloc, inner.getResult(0));
          });
      Value result = outer.getResult(0);
      if (isMax) {
        Value none = arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::eq,
                                           arith::MulIOp::create(b, nloc, gridH, gridW), cIdx(0));
        result = arith::SelectOp::create(b, nloc, none, c(0.0), result);
      } else {
        result = div(result, count);
      }
      if (elemType != f64)
        result = arith::TruncFOp::create(b, nloc, elemType, result);
      linalg::YieldOp::create(b, nloc, result);
    };
    Value init =
        createEmpty(rewriter, loc, resultType, dynamicSizesOf(rewriter, loc, resultType, outSizes));
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
        ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(4)}, iterators, body);
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateRoiAlignPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<RoiAlignLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
