//===- Resize.cpp - Lower Resize ---------------------------------------------===//
//
// Resize (opset 18/19) as one linalg.generic over the output: each output element maps its
// index on every resized axis to a source coordinate (coordinate_transformation_mode), takes
// the 1 (nearest), 2 (linear) or 4 (cubic) neighbours of that coordinate per axis, clamped
// to the input (the reference's edge padding), and sums the tensor.extract'ed neighbours
// weighted by the product of the per-axis coefficients. With antialias, linear and cubic
// downsampling stretch their filter by 1 / scale: the number of taps per axis then depends
// on the scale (2 - 2 * (floor(-support / scale) + 1)), so an scf.for nest in the body walks
// them, with coefficients normalized by their sum per axis. Scales and sizes may be
// run-time values; the arithmetic is in f64, as in onnx/reference/ops/op_resize.py.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
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
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Returns true if an optional input is present (not omitted, not an empty tensor).
bool isPresent(Value value) {
  if (isa<NoneType>(value.getType()))
    return false;
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return !type || !type.hasStaticShape() || type.getNumElements() != 0;
}

/// Per-axis data: the input and output sizes, the scale and, for tf_crop_and_resize, the
/// region of interest.
struct Axis {
  bool resized = false;
  Value inSize, outSize;        // index
  Value inF, outF, outIntF, scale; // f64; outF = scale * in, as the reference computes it
  Value roiStart, roiEnd;       // f64
  Value filterScale, firstTap, tapCount; // antialias: min(scale, 1) (f64), i64, index
};

/// The antialiased taps of one axis for one output element: tap j reads base + first + j
/// with weight filter(filterScale * (first + j - ratio)) / sum.
struct AntialiasAxis {
  Value base, ratio, last, filterScale, firstTap, tapCount, sum;
};

struct ResizeLowering : OnnxLoweringPattern<ResizeOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ResizeOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!xType || xType.getRank() != resultType.getRank())
      return reject(rewriter, op, "the input is not ranked like the result");
    StringRef mode = op.getMode(), ctm = op.getCoordinateTransformationMode();
    StringRef nearestMode = op.getNearestMode(), policy = op.getKeepAspectRatioPolicy();
    if (mode != "nearest" && mode != "linear" && mode != "cubic")
      return reject(rewriter, op, "unknown mode '" + mode + "'");
    if (!llvm::is_contained({"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                             "align_corners", "asymmetric", "tf_crop_and_resize",
                             "tf_half_pixel_for_nn"},
                            ctm))
      return reject(rewriter, op, "unknown coordinate_transformation_mode '" + ctm + "'");
    if (mode == "nearest" &&
        !llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
                            nearestMode))
      return reject(rewriter, op, "unknown nearest_mode '" + nearestMode + "'");
    if (!llvm::is_contained({"stretch", "not_larger", "not_smaller"}, policy))
      return reject(rewriter, op, "unknown keep_aspect_ratio_policy '" + policy + "'");
    Type elemType = xType.getElementType();
    if (mode != "nearest" && !isa<FloatType>(elemType))
      return reject(rewriter, op, "linear and cubic modes need a float input");
    int64_t rank = xType.getRank();
    SmallVector<int64_t> axes;
    if (std::optional<ArrayRef<int64_t>> attr = op.getAxes()) {
      for (int64_t a : *attr) {
        FailureOr<int64_t> normalized = normalizeAxis(a, rank, /*emitError=*/nullptr);
        if (failed(normalized) || llvm::is_contained(axes, *normalized))
          return reject(rewriter, op, "axes are out of range or repeated");
        axes.push_back(*normalized);
      }
    } else {
      for (int64_t a = 0; a < rank; ++a)
        axes.push_back(a);
    }
    bool hasScales = isPresent(op.getScales()), hasSizes = isPresent(op.getSizes());
    if (hasScales == hasSizes)
      return reject(rewriter, op, "exactly one of scales and sizes must be given");
    bool crop = ctm == "tf_crop_and_resize";
    if (crop && !isPresent(op.getRoi()))
      return reject(rewriter, op, "tf_crop_and_resize needs roi");

    Location loc = op.getLoc();
    Type f64 = rewriter.getF64Type();
    auto cst = [&](double v) -> Value {
      return arith::ConstantOp::create(rewriter, loc, rewriter.getF64FloatAttr(v));
    };
    auto toF64 = [&](Value index) -> Value {
      Value i = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), index);
      return arith::SIToFPOp::create(rewriter, loc, f64, i);
    };
    auto read = [&](Value tensor, int64_t i) -> Value {
      Value idx = arith::ConstantIndexOp::create(rewriter, loc, i);
      return tensor::ExtractOp::create(rewriter, loc, tensor, ValueRange{idx});
    };
    auto readF64 = [&](Value tensor, int64_t i) -> Value {
      Value v = read(tensor, i);
      if (v.getType() == f64)
        return v;
      if (isa<FloatType>(v.getType()))
        return arith::ExtFOp::create(rewriter, loc, f64, v);
      return arith::SIToFPOp::create(rewriter, loc, f64, v);
    };
    auto floorToIndex = [&](Value v) -> Value {
      Value i = arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(),
                                        math::FloorOp::create(rewriter, loc, v));
      return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), i);
    };

    SmallVector<Axis> info(rank);
    for (int64_t d = 0; d < rank; ++d) {
      info[d].inSize = getDimValue(rewriter, loc, x, d);
      info[d].outSize = info[d].inSize;
    }
    // The sizes/scales/roi inputs list the axes of `axes` in order.
    SmallVector<Value> ratio(axes.size());
    for (auto [i, d] : llvm::enumerate(axes)) {
      Axis &a = info[d];
      a.resized = true;
      a.inF = toF64(a.inSize);
      if (hasScales) {
        a.scale = readF64(adaptor.getScales(), i);
      } else {
        Value size = readF64(adaptor.getSizes(), i);
        ratio[i] = arith::DivFOp::create(rewriter, loc, size, a.inF);
      }
      if (crop) {
        a.roiStart = readF64(adaptor.getRoi(), i);
        a.roiEnd = readF64(adaptor.getRoi(), axes.size() + i);
      }
    }
    if (!hasScales) {
      Value common;
      if (policy != "stretch") {
        common = ratio[0];
        for (Value r : ArrayRef(ratio).drop_front())
          common = policy == "not_larger" ? arith::MinimumFOp::create(rewriter, loc, common, r)
                                          : arith::MaximumFOp::create(rewriter, loc, common, r)
                                                .getResult();
      }
      for (auto [i, d] : llvm::enumerate(axes)) {
        Axis &a = info[d];
        if (policy == "stretch") {
          a.scale = ratio[i];
          a.outSize = getIndexValues(rewriter, loc, adaptor.getSizes(), axes.size())[i];
        } else {
          a.scale = common;
          Value scaled = arith::MulFOp::create(rewriter, loc, common, a.inF);
          a.outSize = floorToIndex(arith::AddFOp::create(rewriter, loc, scaled, cst(0.5)));
        }
      }
    } else {
      // A constant whole-number scale k gives exactly k * in, kept in integers so that
      // later lowerings see the size as a multiple of k (never 1: see provablyNotOne).
      DenseElementsAttr scaleValues;
      SmallVector<double> constant(axes.size(), 0.0);
      if (matchPattern(adaptor.getScales(), m_Constant(&scaleValues)) &&
          scaleValues.getNumElements() == static_cast<int64_t>(axes.size()))
        for (auto [i, v] : llvm::enumerate(scaleValues.getValues<APFloat>()))
          constant[i] = v.convertToDouble();
      for (auto [i, d] : llvm::enumerate(axes)) {
        Axis &a = info[d];
        double k = constant[i];
        if (k >= 1 && k <= 1024 && k == std::floor(k))
          a.outSize = arith::MulIOp::create(rewriter, loc, a.inSize,
                                            arith::ConstantIndexOp::create(rewriter, loc, k));
        else
          a.outSize = floorToIndex(arith::MulFOp::create(rewriter, loc, a.scale, a.inF));
      }
    }
    // An axis whose constant scale is 1 keeps its size, and each of its output indices
    // reads the same input index, exactly, in every coordinate mode but the TensorFlow
    // ones (and with no antialias filter): it is not resized at all. Its index is then
    // read as is, so that the innermost loop (the channels, once the layout is NHWC)
    // stays contiguous and vectorizes.
    DenseElementsAttr constantScales;
    if (hasScales && !crop && ctm != "tf_half_pixel_for_nn" &&
        !(op.getAntialias() != 0 && mode != "nearest") &&
        matchPattern(adaptor.getScales(), m_Constant(&constantScales))) {
      SmallVector<double> values;
      for (APFloat v : constantScales.getValues<APFloat>())
        values.push_back(v.convertToDouble());
      for (auto [i, d] : llvm::enumerate(axes))
        if (i < values.size() && values[i] == 1.0) {
          info[d].resized = false;
          info[d].outSize = info[d].inSize;
        }
      llvm::erase_if(axes, [&](int64_t d) { return !info[d].resized; });
    }
    // antialias widens the filter when downsampling: its support (1 for linear, 2 for
    // cubic) is divided by min(scale, 1).
    bool antialias = op.getAntialias() != 0 && mode != "nearest";
    for (int64_t d : axes) {
      Axis &a = info[d];
      a.outF = arith::MulFOp::create(rewriter, loc, a.scale, a.inF);
      a.outIntF = toF64(a.outSize);
      if (!antialias)
        continue;
      a.filterScale = arith::MinimumFOp::create(rewriter, loc, a.scale, cst(1.0));
      Value reach =
          arith::DivFOp::create(rewriter, loc, cst(mode == "linear" ? -1.0 : -2.0), a.filterScale);
      // A scale of 0 or less leaves no output element; keep the tap count finite.
      reach = arith::MaximumFOp::create(rewriter, loc, reach, cst(-(1 << 20)));
      Value first = arith::FPToSIOp::create(
          rewriter, loc, rewriter.getI64Type(),
          arith::AddFOp::create(rewriter, loc, math::FloorOp::create(rewriter, loc, reach),
                                cst(1.0)));
      a.firstTap = first;
      Value count = arith::SubIOp::create(
          rewriter, loc, arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(), 2),
          arith::MulIOp::create(
              rewriter, loc, first,
              arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(), 2)));
      a.tapCount = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), count);
    }

    SmallVector<Value> outSizes;
    for (Axis &a : info)
      outSizes.push_back(a.outSize);
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside() != 0;
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    auto floatElem = dyn_cast<FloatType>(elemType);

    auto generic = [&](OpBuilder &b, Location nloc, ValueRange) {
      auto c = [&](double v) -> Value {
        return arith::ConstantOp::create(b, nloc, b.getF64FloatAttr(v));
      };
      auto add = [&](Value l, Value r) -> Value { return arith::AddFOp::create(b, nloc, l, r); };
      auto sub = [&](Value l, Value r) -> Value { return arith::SubFOp::create(b, nloc, l, r); };
      auto mul = [&](Value l, Value r) -> Value { return arith::MulFOp::create(b, nloc, l, r); };
      auto div = [&](Value l, Value r) -> Value { return arith::DivFOp::create(b, nloc, l, r); };
      auto eq = [&](Value l, Value r) -> Value {
        return arith::CmpFOp::create(b, nloc, arith::CmpFPredicate::OEQ, l, r);
      };
      auto select = [&](Value cond, Value t, Value f) -> Value {
        return arith::SelectOp::create(b, nloc, cond, t, f);
      };
      Type i64 = b.getI64Type();
      Value zeroI = arith::ConstantIntOp::create(b, nloc, i64, 0);

      // Per axis: the neighbour indices (clamped, index type) and their weights (f64).
      SmallVector<SmallVector<Value>> taps(rank), weights(rank);
      SmallVector<std::optional<AntialiasAxis>> wide(rank);
      Value outside; // tf_crop_and_resize: the coordinate falls outside the input
      for (int64_t d = 0; d < rank; ++d) {
        Value o = linalg::IndexOp::create(b, nloc, d);
        Axis &a = info[d];
        if (!a.resized) {
          taps[d].push_back(o);
          continue;
        }
        Value y = arith::SIToFPOp::create(
            b, nloc, b.getF64Type(), arith::IndexCastOp::create(b, nloc, i64, o));
        Value halfPixel = sub(div(add(y, c(0.5)), a.scale), c(0.5));
        Value outIsOne = eq(a.outF, c(1.0));
        Value inMinus1 = sub(a.inF, c(1.0));
        Value xo;
        if (ctm == "half_pixel") {
          xo = halfPixel;
        } else if (ctm == "half_pixel_symmetric") {
          Value adjustment = div(a.outIntF, a.outF);
          Value offset = mul(div(a.inF, c(2.0)), sub(c(1.0), adjustment));
          xo = add(offset, halfPixel);
        } else if (ctm == "pytorch_half_pixel") {
          xo = select(outIsOne, c(-0.5), halfPixel);
        } else if (ctm == "align_corners") {
          xo = select(outIsOne, c(0.0), div(mul(y, inMinus1), sub(a.outF, c(1.0))));
        } else if (ctm == "asymmetric") {
          xo = div(y, a.scale);
        } else if (ctm == "tf_half_pixel_for_nn") { // Resize 11 only
          xo = div(add(y, c(0.5)), a.scale);
        } else {
          Value extent = sub(a.roiEnd, a.roiStart);
          Value single = div(mul(extent, inMinus1), c(2.0));
          Value many = div(mul(mul(y, extent), inMinus1), sub(a.outF, c(1.0)));
          xo = add(select(outIsOne, single, many), mul(a.roiStart, inMinus1));
          Value out = arith::OrIOp::create(
              b, nloc, arith::CmpFOp::create(b, nloc, arith::CmpFPredicate::OLT, xo, c(0.0)),
              arith::CmpFOp::create(b, nloc, arith::CmpFPredicate::OGT, xo, inMinus1));
          outside = outside ? arith::OrIOp::create(b, nloc, outside, out).getResult() : out;
        }
        // The reference prefers the left neighbour: an integral coordinate has ratio 1.
        Value fl = math::FloorOp::create(b, nloc, xo);
        Value isInt = eq(xo, fl);
        Value r = select(isInt, c(1.0), sub(xo, fl));
        Value base = arith::FPToSIOp::create(b, nloc, i64, fl);
        base = select(isInt, arith::SubIOp::create(b, nloc, base,
                                                   arith::ConstantIntOp::create(b, nloc, i64, 1)),
                      base);
        Value last = arith::IndexCastOp::create(b, nloc, i64,
                                                arith::SubIOp::create(
                                                    b, nloc, a.inSize,
                                                    arith::ConstantIndexOp::create(b, nloc, 1)));
        auto tapAt = [&](int64_t offset) -> Value {
          Value i = arith::AddIOp::create(b, nloc, base,
                                          arith::ConstantIntOp::create(b, nloc, i64, offset));
          return i;
        };
        auto clampToIndex = [&](Value i) -> Value {
          i = arith::MaxSIOp::create(b, nloc, arith::MinSIOp::create(b, nloc, i, last), zeroI);
          return arith::IndexCastOp::create(b, nloc, b.getIndexType(), i);
        };
        if (mode == "nearest") {
          Value second;
          if (nearestMode == "round_prefer_floor")
            second = arith::CmpFOp::create(b, nloc, arith::CmpFPredicate::OGT, r, c(0.5));
          else if (nearestMode == "round_prefer_ceil")
            second = arith::CmpFOp::create(b, nloc, arith::CmpFPredicate::OGE, r, c(0.5));
          else if (nearestMode == "floor")
            second = isInt;
          else
            second = arith::ConstantIntOp::create(b, nloc, b.getI1Type(), 1);
          second = arith::OrIOp::create(b, nloc, second, isInt);
          taps[d].push_back(clampToIndex(select(second, tapAt(1), tapAt(0))));
          continue;
        }
        if (antialias) {
          wide[d] = AntialiasAxis{base, r, last, a.filterScale, a.firstTap, a.tapCount, Value()};
          continue;
        }
        SmallVector<Value> raw, coeffs;
        if (mode == "linear") {
          raw = {tapAt(0), tapAt(1)};
          coeffs = {sub(c(1.0), r), r};
        } else {
          double A = cubicA;
          Value r1 = add(r, c(1.0)), s = sub(c(1.0), r), s1 = add(s, c(1.0));
          auto outer = [&](Value t) {
            return sub(mul(add(mul(sub(mul(c(A), t), c(5 * A)), t), c(8 * A)), t), c(4 * A));
          };
          auto inner = [&](Value t) {
            return add(mul(mul(sub(mul(c(A + 2), t), c(A + 3)), t), t), c(1.0));
          };
          raw = {tapAt(-1), tapAt(0), tapAt(1), tapAt(2)};
          coeffs = {outer(r1), inner(r), inner(s), outer(s1)};
        }
        if (excludeOutside) {
          Value sum = c(0.0);
          for (auto [i, w] : llvm::zip(raw, coeffs)) {
            Value in = arith::AndIOp::create(
                b, nloc, arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::sge, i, zeroI),
                arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::sle, i, last));
            w = select(in, w, c(0.0));
            sum = add(sum, w);
          }
          sum = select(eq(sum, c(0.0)), c(1.0), sum);
          for (auto &w : coeffs)
            w = div(w, sum);
        }
        for (auto [i, w] : llvm::zip(raw, coeffs)) {
          taps[d].push_back(clampToIndex(i));
          weights[d].push_back(w);
        }
      }

      // Antialias: the filter's weight of tap j of axis d (0 for a tap outside the input
      // with exclude_outside), its index, and the sum of the weights per axis.
      auto tapIndex = [&](OpBuilder &tb, const AntialiasAxis &w, Value j) -> Value {
        Value jj = arith::AddIOp::create(tb, nloc, w.firstTap,
                                         arith::IndexCastOp::create(tb, nloc, i64, j));
        return arith::AddIOp::create(tb, nloc, w.base, jj);
      };
      auto tapWeight = [&](OpBuilder &tb, const AntialiasAxis &w, Value j) -> Value {
        auto tc = [&](double v) -> Value {
          return arith::ConstantOp::create(tb, nloc, tb.getF64FloatAttr(v));
        };
        Value jj = arith::AddIOp::create(tb, nloc, w.firstTap,
                                         arith::IndexCastOp::create(tb, nloc, i64, j));
        Value arg = arith::MulFOp::create(
            tb, nloc, w.filterScale,
            arith::SubFOp::create(tb, nloc, arith::SIToFPOp::create(tb, nloc, tb.getF64Type(), jj),
                                  w.ratio));
        Value t = math::AbsFOp::create(tb, nloc, arg);
        Value weight;
        if (mode == "linear") {
          weight = arith::MaximumFOp::create(tb, nloc, arith::SubFOp::create(tb, nloc, tc(1.0), t),
                                             tc(0.0));
        } else {
          double A = cubicA;
          auto tmul = [&](Value lhs, Value rhs) -> Value {
            return arith::MulFOp::create(tb, nloc, lhs, rhs);
          };
          auto tadd = [&](Value lhs, Value rhs) -> Value {
            return arith::AddFOp::create(tb, nloc, lhs, rhs);
          };
          Value t2 = tmul(t, t), t3 = tmul(t2, t);
          Value near = tadd(tadd(tmul(tc(A + 2), t3), tmul(tc(-(A + 3)), t2)), tc(1.0));
          Value far = tadd(tadd(tadd(tmul(tc(A), t3), tmul(tc(-5 * A), t2)), tmul(tc(8 * A), t)),
                           tc(-4 * A));
          weight = arith::SelectOp::create(
              tb, nloc, arith::CmpFOp::create(tb, nloc, arith::CmpFPredicate::OLE, t, tc(1.0)),
              near,
              arith::SelectOp::create(
                  tb, nloc, arith::CmpFOp::create(tb, nloc, arith::CmpFPredicate::OLT, t, tc(2.0)),
                  far, tc(0.0)));
        }
        if (excludeOutside) {
          Value i = tapIndex(tb, w, j);
          Value in = arith::AndIOp::create(
              tb, nloc, arith::CmpIOp::create(tb, nloc, arith::CmpIPredicate::sge, i, zeroI),
              arith::CmpIOp::create(tb, nloc, arith::CmpIPredicate::sle, i, w.last));
          weight = arith::SelectOp::create(tb, nloc, in, weight, tc(0.0));
        }
        return weight;
      };
      if (antialias) {
        SmallVector<Value> counts;
        SmallVector<int64_t> wideDims;
        for (int64_t d = 0; d < rank; ++d) {
          if (!wide[d])
            continue;
          Value sum = loopNest(b, nloc, {wide[d]->tapCount}, ValueRange{c(0.0)},
                               [&](OpBuilder &lb, Location, ValueRange ivs, ValueRange iters) {
                                 return SmallVector<Value>{arith::AddFOp::create(
                                     lb, nloc, iters[0], tapWeight(lb, *wide[d], ivs[0]))};
                               })[0];
          wide[d]->sum = select(eq(sum, c(0.0)), c(1.0), sum);
          counts.push_back(wide[d]->tapCount);
          wideDims.push_back(d);
        }
        Value acc =
            loopNest(b, nloc, counts, ValueRange{c(0.0)},
                     [&](OpBuilder &lb, Location, ValueRange ivs, ValueRange iters) {
                       SmallVector<Value> idx;
                       Value w;
                       for (int64_t d = 0, k = 0; d < rank; ++d) {
                         if (!wide[d]) {
                           idx.push_back(taps[d][0]);
                           continue;
                         }
                         Value j = ivs[k++];
                         Value i = tapIndex(lb, *wide[d], j);
                         i = arith::MaxSIOp::create(
                             lb, nloc, arith::MinSIOp::create(lb, nloc, i, wide[d]->last), zeroI);
                         idx.push_back(arith::IndexCastOp::create(lb, nloc, lb.getIndexType(), i));
                         Value wd = arith::DivFOp::create(lb, nloc, tapWeight(lb, *wide[d], j),
                                                          wide[d]->sum);
                         w = w ? arith::MulFOp::create(lb, nloc, w, wd).getResult() : wd;
                       }
                       Value v = tensor::ExtractOp::create(lb, nloc, x, idx);
                       if (floatElem != lb.getF64Type())
                         v = arith::ExtFOp::create(lb, nloc, lb.getF64Type(), v);
                       Value term = w ? arith::MulFOp::create(lb, nloc, w, v).getResult() : v;
                       return SmallVector<Value>{arith::AddFOp::create(lb, nloc, iters[0], term)};
                     })[0];
        if (floatElem != b.getF64Type())
          acc = arith::TruncFOp::create(b, nloc, floatElem, acc);
        if (outside)
          acc = select(outside, createScalarConstant(b, nloc, elemType, extrapolation), acc);
        linalg::YieldOp::create(b, nloc, acc);
        return;
      }

      // Sum over every combination of the per-axis neighbours.
      Value acc;
      SmallVector<int64_t> pick(rank, 0);
      while (true) {
        SmallVector<Value> idx;
        Value w;
        for (int64_t d = 0; d < rank; ++d) {
          idx.push_back(taps[d][pick[d]]);
          if (!weights[d].empty())
            w = w ? mul(w, weights[d][pick[d]]) : weights[d][pick[d]];
        }
        Value v = tensor::ExtractOp::create(b, nloc, x, idx);
        if (mode == "nearest") {
          acc = v;
        } else {
          if (floatElem != b.getF64Type())
            v = arith::ExtFOp::create(b, nloc, b.getF64Type(), v);
          Value term = w ? mul(w, v) : v;
          acc = acc ? add(acc, term) : term;
        }
        int64_t d = rank - 1;
        for (; d >= 0; --d) {
          if (++pick[d] < static_cast<int64_t>(taps[d].size()))
            break;
          pick[d] = 0;
        }
        if (d < 0)
          break;
      }
      if (mode != "nearest" && floatElem != b.getF64Type())
        acc = arith::TruncFOp::create(b, nloc, floatElem, acc);
      if (outside)
        acc = select(outside, createScalarConstant(b, nloc, elemType, extrapolation), acc);
      linalg::YieldOp::create(b, nloc, acc);
    };

    // A static output dim is shape inference's reading of the sizes/scales over X; with a
    // dynamic X the run-time size must agree or the output is not ORT's.
    for (int64_t d = 0; d < rank; ++d)
      if (!resultType.isDynamicDim(d) && xType.isDynamicDim(d))
        checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(outSizes[d]),
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "the resized input has size {} in dim " + Twine(d) +
                            " where the model's shapes imply {}");
    Value init = createEmpty(rewriter, loc, resultType,
                             dynamicSizesOf(rewriter, loc, resultType, outSizes));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto op2 = linalg::GenericOp::create(rewriter, loc, TypeRange{resultType}, ValueRange{},
                                         ValueRange{init},
                                         ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
                                         iterators, generic);
    rewriter.replaceOp(op, op2.getResult(0));
    return success();
  }
};

} // namespace

void populateResizePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
