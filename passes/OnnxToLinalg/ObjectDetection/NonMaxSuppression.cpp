//===- NonMaxSuppression.cpp - Lower onnx.NonMaxSuppression to scf loops --===//
//
// Greedy NMS per (batch, class), as ONNX Runtime computes it: among the boxes still alive
// (score > score_threshold), select the best score (the lowest index among equals), then
// kill every alive box whose IOU with it exceeds iou_threshold; at most
// max_output_boxes_per_class selections. The selections of all (batch, class) pairs fill
// the rows of a buffer sized for the most there can be, and the result is its first
// `count` rows: a size only known at run time.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// The corners (xMin, xMax, yMin, yMax) of a box from its four coordinates.
struct Corners {
  Value xMin, xMax, yMin, yMax;
};

Corners getCorners(OpBuilder &b, Location loc, ArrayRef<Value> c, bool centerPoint) {
  if (centerPoint) { // [x_center, y_center, width, height]
    Value half = createScalarConstant(b, loc, c[0].getType(), 0.5);
    Value hw = arith::MulFOp::create(b, loc, c[2], half);
    Value hh = arith::MulFOp::create(b, loc, c[3], half);
    return {arith::SubFOp::create(b, loc, c[0], hw), arith::AddFOp::create(b, loc, c[0], hw),
            arith::SubFOp::create(b, loc, c[1], hh), arith::AddFOp::create(b, loc, c[1], hh)};
  }
  // [y1, x1, y2, x2], either diagonal.
  return {
      arith::MinimumFOp::create(b, loc, c[1], c[3]), arith::MaximumFOp::create(b, loc, c[1], c[3]),
      arith::MinimumFOp::create(b, loc, c[0], c[2]), arith::MaximumFOp::create(b, loc, c[0], c[2])};
}

/// Whether the IOU of boxes p and q exceeds `threshold`; false when an area is not positive.
Value iouExceeds(OpBuilder &b, Location loc, const Corners &p, const Corners &q, Value threshold) {
  Value zero = createScalarConstant(b, loc, threshold.getType(), 0);
  auto extent = [&](Value lo0, Value hi0, Value lo1, Value hi1) {
    Value lo = arith::MaximumFOp::create(b, loc, lo0, lo1);
    Value hi = arith::MinimumFOp::create(b, loc, hi0, hi1);
    return arith::MaximumFOp::create(b, loc, arith::SubFOp::create(b, loc, hi, lo), zero);
  };
  Value inter = arith::MulFOp::create(b, loc, extent(p.xMin, p.xMax, q.xMin, q.xMax),
                                      extent(p.yMin, p.yMax, q.yMin, q.yMax));
  auto area = [&](const Corners &c) {
    return arith::MulFOp::create(b, loc, arith::SubFOp::create(b, loc, c.xMax, c.xMin),
                                 arith::SubFOp::create(b, loc, c.yMax, c.yMin));
  };
  Value areaP = area(p), areaQ = area(q);
  Value uni = arith::SubFOp::create(b, loc, arith::AddFOp::create(b, loc, areaP, areaQ), inter);
  auto positive = [&](Value v) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, v, zero);
  };
  Value valid =
      arith::AndIOp::create(b, loc, arith::AndIOp::create(b, loc, positive(inter), positive(areaP)),
                            arith::AndIOp::create(b, loc, positive(areaQ), positive(uni)));
  Value iou = arith::DivFOp::create(b, loc, inter, uni);
  return arith::AndIOp::create(
      b, loc, valid, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, iou, threshold));
}

struct NonMaxSuppressionLowering : OnnxLoweringPattern<NonMaxSuppressionOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(NonMaxSuppressionOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value boxes = adaptor.getBoxes(), scores = adaptor.getScores();
    auto boxesType = getRankedInputType(rewriter, op, boxes, "boxes");
    auto scoresType = getRankedInputType(rewriter, op, scores, "scores");
    if (!boxesType || !scoresType)
      return failure();
    if (boxesType.getRank() != 3 || scoresType.getRank() != 3)
      return reject(rewriter, op, "boxes or scores is not 3-D");
    if (resultType.getRank() != 2)
      return reject(rewriter, op, "the result is not 2-D");
    Location loc = op.getLoc();
    bool centerPoint = op.getCenterPointBox() != 0;
    Type f32 = rewriter.getF32Type(), i64 = rewriter.getI64Type();
    Type indexType = rewriter.getIndexType();

    Value numBatches = getDimValue(rewriter, loc, boxes, 0);
    Value numBoxes = getDimValue(rewriter, loc, boxes, 1);
    Value numClasses = getDimValue(rewriter, loc, scores, 1);
    checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(getDimValue(rewriter, loc, boxes, 2)),
                    rewriter.getIndexAttr(4), "boxes has {} coordinates per box, not {}");
    checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(getDimValue(rewriter, loc, scores, 0)),
                    getAsOpFoldResult(numBatches), "scores has {} batches where boxes has {}");
    checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(getDimValue(rewriter, loc, scores, 2)),
                    getAsOpFoldResult(numBoxes), "scores has {} boxes where boxes has {}");

    // The optional scalars: no max_output_boxes_per_class selects nothing.
    auto present = [](Value v) { return v && !isa<NoneType>(v.getType()); };
    // Each optional input is a scalar: one element, checked at run time where not static.
    for (auto [v, name] :
         {std::pair(adaptor.getMaxOutputBoxesPerClass(), "max_output_boxes_per_class"),
          std::pair(adaptor.getIouThreshold(), "iou_threshold"),
          std::pair(adaptor.getScoreThreshold(), "score_threshold")}) {
      if (!present(v))
        continue;
      auto type = getRankedInputType(rewriter, op, v, name);
      if (!type)
        return failure();
      OpFoldResult count = rewriter.getIndexAttr(1);
      for (int64_t d = 0; d < type.getRank(); ++d)
        count = getAsOpFoldResult(rewriter.createOrFold<arith::MulIOp>(
            loc, getValueOrCreateConstantIndexOp(rewriter, loc, count),
            getDimValue(rewriter, loc, v, d)));
      checkSizesEqual(rewriter, loc, op, count, rewriter.getIndexAttr(1),
                      Twine(name) + " has {} elements, not {}");
    }
    Value zeroIdx = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value oneIdx = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value maxOut = zeroIdx;
    if (present(adaptor.getMaxOutputBoxesPerClass())) {
      Value m = extractScalar(rewriter, loc, adaptor.getMaxOutputBoxesPerClass());
      m = arith::MaxSIOp::create(rewriter, loc, m,
                                 arith::ConstantIntOp::create(rewriter, loc, i64, 0));
      // Clamp in i64 before the cast: a huge limit means "all boxes".
      Value n64 = arith::IndexCastOp::create(rewriter, loc, i64, numBoxes);
      maxOut = arith::IndexCastOp::create(rewriter, loc, indexType,
                                          arith::MinSIOp::create(rewriter, loc, m, n64));
    }
    Value iouThreshold = present(adaptor.getIouThreshold())
                             ? extractScalar(rewriter, loc, adaptor.getIouThreshold())
                             : createScalarConstant(rewriter, loc, f32, 0);
    Value scoreThreshold = present(adaptor.getScoreThreshold())
                               ? extractScalar(rewriter, loc, adaptor.getScoreThreshold())
                               : Value();

    // The buffer: one row per possible selection.
    Value capacity = arith::MulIOp::create(
        rewriter, loc, arith::MulIOp::create(rewriter, loc, numBatches, numClasses), maxOut);
    auto bufferType = RankedTensorType::get({ShapedType::kDynamic, 3}, i64);
    Value buffer = createEmpty(rewriter, loc, bufferType, ValueRange{capacity});
    auto aliveType = RankedTensorType::get({ShapedType::kDynamic}, rewriter.getI1Type());

    auto readCorners = [&](OpBuilder &b, Location l, Value batch, Value box) {
      SmallVector<Value> c;
      for (int64_t k = 0; k < 4; ++k)
        c.push_back(tensor::ExtractOp::create(
            b, l, boxes, ValueRange{batch, box, arith::ConstantIndexOp::create(b, l, k)}));
      return getCorners(b, l, c, centerPoint);
    };

    SmallVector<Value> outer = loopNest(
        rewriter, loc, {numBatches, numClasses}, ValueRange{buffer, zeroIdx},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iters) -> SmallVector<Value> {
          Value batch = ivs[0], cls = ivs[1];
          // alive[j] = scores[batch, cls, j] > score_threshold (all, without one).
          Value aliveInit = createEmpty(b, l, aliveType, ValueRange{numBoxes});
          MLIRContext *ctx = b.getContext();
          auto alive0 = linalg::GenericOp::create(
              b, l, TypeRange{aliveType}, ValueRange{}, ValueRange{aliveInit},
              SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
              SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
              [&](OpBuilder &gb, Location gl, ValueRange) {
                Value keep = arith::ConstantIntOp::create(gb, gl, gb.getI1Type(), 1);
                if (scoreThreshold) {
                  Value j = linalg::IndexOp::create(gb, gl, 0);
                  Value s = tensor::ExtractOp::create(gb, gl, scores, ValueRange{batch, cls, j});
                  keep =
                      arith::CmpFOp::create(gb, gl, arith::CmpFPredicate::OGT, s, scoreThreshold);
                }
                linalg::YieldOp::create(gb, gl, keep);
              });
          auto select = scf::ForOp::create(
              b, l, zeroIdx, maxOut, oneIdx, ValueRange{iters[0], iters[1], alive0.getResult(0)},
              [&](OpBuilder &sb, Location sl, Value, ValueRange state) {
                Value alive = state[2];
                // The best alive box: the highest score, the lowest index among equals.
                Value falseV = arith::ConstantIntOp::create(sb, sl, sb.getI1Type(), 0);
                Value lowest = createScalarConstant(sb, sl, f32, 0);
                auto best = scf::ForOp::create(
                    sb, sl, zeroIdx, numBoxes, oneIdx, ValueRange{lowest, zeroIdx, falseV},
                    [&](OpBuilder &fb, Location fl, Value j, ValueRange acc) {
                      Value isAlive = tensor::ExtractOp::create(fb, fl, alive, ValueRange{j});
                      Value s =
                          tensor::ExtractOp::create(fb, fl, scores, ValueRange{batch, cls, j});
                      Value better = arith::OrIOp::create(
                          fb, fl,
                          arith::XOrIOp::create(
                              fb, fl, acc[2],
                              arith::ConstantIntOp::create(fb, fl, fb.getI1Type(), 1)),
                          arith::CmpFOp::create(fb, fl, arith::CmpFPredicate::OGT, s, acc[0]));
                      Value take = arith::AndIOp::create(fb, fl, isAlive, better);
                      scf::YieldOp::create(
                          fb, fl,
                          ValueRange{arith::SelectOp::create(fb, fl, take, s, acc[0]),
                                     arith::SelectOp::create(fb, fl, take, j, acc[1]),
                                     arith::OrIOp::create(fb, fl, acc[2], take)});
                    });
                Value found = best.getResult(2), bestIdx = best.getResult(1);
                auto ifOp = scf::IfOp::create(
                    sb, sl, found,
                    [&](OpBuilder &tb, Location tl) {
                      // Record (batch, class, box) in row `count`.
                      Value buf = state[0], count = state[1];
                      Value row[3] = {batch, cls, bestIdx};
                      for (int64_t k = 0; k < 3; ++k)
                        buf = tensor::InsertOp::create(
                            tb, tl, arith::IndexCastOp::create(tb, tl, i64, row[k]), buf,
                            ValueRange{count, arith::ConstantIndexOp::create(tb, tl, k)});
                      Value next = arith::AddIOp::create(tb, tl, count, oneIdx);
                      // Kill the selected box and those overlapping it too much.
                      Corners chosen = readCorners(tb, tl, batch, bestIdx);
                      auto killed = linalg::GenericOp::create(
                          tb, tl, TypeRange{aliveType}, ValueRange{}, ValueRange{alive},
                          SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
                          SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
                          [&](OpBuilder &gb, Location gl, ValueRange args) {
                            Value j = linalg::IndexOp::create(gb, gl, 0);
                            Value self =
                                arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::eq, j, bestIdx);
                            Value overlap = iouExceeds(gb, gl, chosen,
                                                       readCorners(gb, gl, batch, j), iouThreshold);
                            Value dead = arith::OrIOp::create(gb, gl, self, overlap);
                            Value keep = arith::AndIOp::create(
                                gb, gl, args[0],
                                arith::XOrIOp::create(
                                    gb, gl, dead,
                                    arith::ConstantIntOp::create(gb, gl, gb.getI1Type(), 1)));
                            linalg::YieldOp::create(gb, gl, keep);
                          });
                      scf::YieldOp::create(tb, tl, ValueRange{buf, next, killed.getResult(0)});
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(eb, el, ValueRange{state[0], state[1], alive});
                    });
                scf::YieldOp::create(sb, sl, ifOp.getResults());
              });
          return {select.getResult(0), select.getResult(1)};
        });

    Value count = outer[1];
    SmallVector<OpFoldResult> offsets{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{count, rewriter.getIndexAttr(3)};
    SmallVector<OpFoldResult> strides{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1)};
    Value selected = tensor::ExtractSliceOp::create(rewriter, loc, bufferType, outer[0], offsets,
                                                    sizes, strides);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, selected, resultType));
    return success();
  }
};

} // namespace

void populateNonMaxSuppressionPatterns(const OnnxTypeConverter &converter,
                                       RewritePatternSet &patterns) {
  patterns.add<NonMaxSuppressionLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
