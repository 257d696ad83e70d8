//===- GridSample.cpp - Lower GridSample ----------------------------------===//
//
// GridSample (opset 20+; GridSample 16 is upgraded to it) as one linalg.generic over the
// N x C x out... result. Each output element reads its D grid coordinates (the grid lists
// them innermost spatial axis first), denormalizes them (align_corners), folds a
// coordinate outside the image back in for the border and reflection padding modes
// (nearest and linear; cubic pads each tap, as PyTorch and ONNX Runtime do), and
// sums the 1 (nearest), 2 (linear) or 4 (cubic) taps per axis read with tensor.extract,
// weighted by the product of the per-axis coefficients. Every tap index is clamped into
// the image before it is read; with zeros padding a tap outside the image contributes 0.
// The arithmetic follows onnx/reference/ops/op_grid_sample.py, in f32 (f64 when X or the
// grid is f64).
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
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

enum class Padding { Zeros, Border, Reflection };

/// Scalar arithmetic in one float type inside the generic's body.
struct Arith {
  OpBuilder &b;
  Location loc;
  FloatType type;

  Value c(double v) const { return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v)); }
  Value add(Value l, Value r) const { return arith::AddFOp::create(b, loc, l, r); }
  Value sub(Value l, Value r) const { return arith::SubFOp::create(b, loc, l, r); }
  Value mul(Value l, Value r) const { return arith::MulFOp::create(b, loc, l, r); }
  Value div(Value l, Value r) const { return arith::DivFOp::create(b, loc, l, r); }
  Value lt(Value l, Value r) const {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, l, r);
  }
  Value gt(Value l, Value r) const {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, r);
  }
  Value select(Value cond, Value t, Value f) const {
    return arith::SelectOp::create(b, loc, cond, t, f);
  }
  Value fromIndex(Value index) const {
    Value i = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
    return arith::SIToFPOp::create(b, loc, type, i);
  }
  Value toI64(Value v) const { return arith::FPToSIOp::create(b, loc, b.getI64Type(), v); }
  /// Clamps `v` into [lo, hi]; a NaN becomes lo (minnum/maxnum drop NaN operands).
  Value clamp(Value v, Value lo, Value hi) const {
    return arith::MinNumFOp::create(b, loc, arith::MaxNumFOp::create(b, loc, v, lo), hi);
  }

  /// Reflects `x` by the nearer border until it lies in [lo, hi] (the reference's
  /// _gs_reflect); an empty range (a single pixel with align_corners) gives lo.
  Value reflect(Value x, Value lo, Value hi) const {
    Value range = sub(hi, lo);
    auto fold = [&](Value dx, Value nearSide, Value farSide, bool fromLow) {
      Value n = math::FloorOp::create(b, loc, div(dx, range));
      Value r = sub(dx, mul(n, range));
      Value one = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 1);
      Value odd = arith::TruncIOp::create(b, loc, b.getI1Type(),
                                          arith::AndIOp::create(b, loc, toI64(n), one));
      Value towardNear = fromLow ? add(nearSide, r) : sub(nearSide, r);
      Value towardFar = fromLow ? sub(farSide, r) : add(farSide, r);
      return select(odd, towardFar, towardNear);
    };
    Value below = fold(sub(lo, x), lo, hi, /*fromLow=*/true);
    Value above = fold(sub(x, hi), hi, lo, /*fromLow=*/false);
    Value result = select(lt(x, lo), below, select(gt(x, hi), above, x));
    return select(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, range, c(0.0)), lo,
                  result);
  }
};

/// One tap of one axis: the index to read (always inside the image), whether the tap
/// lies inside the image (zeros padding reads 0 otherwise) and its weight (null for
/// nearest).
struct Tap {
  Value index, inside, weight;
};

struct GridSampleLowering : OnnxLoweringPattern<GridSampleOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(GridSampleOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX(), grid = adaptor.getGrid();
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    RankedTensorType gridType = getRankedInputType(rewriter, op, grid, "grid");
    if (!xType || !gridType)
      return failure();
    int64_t rank = xType.getRank(), spatial = rank - 2;
    if (rank < 3 || gridType.getRank() != rank || resultType.getRank() != rank)
      return reject(rewriter, op,
                    "X, grid and Y must have the same rank, N x C x spatial... for X");
    if (!gridType.isDynamicDim(rank - 1) && gridType.getDimSize(rank - 1) != spatial)
      return reject(rewriter, op,
                    "the last dim of grid is " + Twine(gridType.getDimSize(rank - 1)) +
                        " where X has " + Twine(spatial) + " spatial dims");
    StringRef modeName = op.getMode(), paddingName = op.getPaddingMode();
    if (modeName != "nearest" && modeName != "linear" && modeName != "cubic")
      return reject(rewriter, op, "unknown mode '" + modeName + "'");
    Padding padding;
    if (paddingName == "zeros")
      padding = Padding::Zeros;
    else if (paddingName == "border")
      padding = Padding::Border;
    else if (paddingName == "reflection")
      padding = Padding::Reflection;
    else
      return reject(rewriter, op, "unknown padding_mode '" + paddingName + "'");
    Type elemType = xType.getElementType();
    auto floatElem = dyn_cast<FloatType>(elemType);
    if (!floatElem && !isa<IntegerType>(elemType))
      return reject(rewriter, op, "X must hold numbers or booleans");
    bool nearest = modeName == "nearest", cubic = modeName == "cubic";
    if (!nearest && !floatElem)
      return reject(rewriter, op, "linear and cubic modes need a float X");
    bool alignCorners = op.getAlignCorners() != 0;

    Location loc = op.getLoc();
    // Grid layout: N x out... x D. Its N must be X's; its last dim must be D.
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, grid, 0),
                    tensor::getMixedSize(rewriter, loc, x, 0),
                    "grid has {} batches where X has {}");
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, grid, rank - 1),
                    rewriter.getIndexAttr(spatial),
                    "the last dim of grid is {} where X has {} spatial dims");
    SmallVector<Value> outSizes{getDimValue(rewriter, loc, x, 0), getDimValue(rewriter, loc, x, 1)};
    for (int64_t d = 1; d <= spatial; ++d)
      outSizes.push_back(getDimValue(rewriter, loc, grid, d));
    for (int64_t d = 0; d < rank; ++d)
      if (!resultType.isDynamicDim(d))
        checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(outSizes[d]),
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "Y has size {} in dim " + Twine(d) + " where the model's shapes imply {}");
    SmallVector<Value> inSizes;
    for (int64_t d = 0; d < spatial; ++d)
      inSizes.push_back(getDimValue(rewriter, loc, x, d + 2));

    auto gridElem = cast<FloatType>(gridType.getElementType());
    FloatType computeType = rewriter.getF32Type();
    if (gridElem.isF64() || (floatElem && floatElem.isF64()))
      computeType = rewriter.getF64Type();

    // Inputs: the grid once per spatial axis, reading its coordinate for that axis.
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    for (int64_t d = 0; d < spatial; ++d) {
      SmallVector<AffineExpr> exprs{getAffineDimExpr(0, ctx)};
      for (int64_t o = 2; o < rank; ++o)
        exprs.push_back(getAffineDimExpr(o, ctx));
      exprs.push_back(getAffineConstantExpr(spatial - 1 - d, ctx));
      ins.push_back(grid);
      maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(rank));

    auto body = [&](OpBuilder &b, Location nloc, ValueRange args) {
      Arith f{b, nloc, computeType};
      Type i64 = b.getI64Type();
      Value zeroI = arith::ConstantIntOp::create(b, nloc, i64, 0);
      SmallVector<SmallVector<Tap>> taps(spatial);
      for (int64_t d = 0; d < spatial; ++d) {
        Value size = f.fromIndex(inSizes[d]);
        Value lastI = arith::IndexCastOp::create(
            b, nloc, i64,
            arith::SubIOp::create(b, nloc, inSizes[d], arith::ConstantIndexOp::create(b, nloc, 1)));
        Value last = arith::SIToFPOp::create(b, nloc, computeType, lastI);
        Value lo = alignCorners ? f.c(0.0) : f.c(-0.5);
        Value hi = alignCorners ? last : f.sub(size, f.c(0.5));
        Value g = args[d];
        g = g.getType() == computeType ? g : arith::ExtFOp::create(b, nloc, computeType, g);
        // Denormalize: align_corners maps [-1, 1] to the centers of the corner pixels,
        // otherwise to their outer edges.
        Value coord = alignCorners
                          ? f.mul(f.div(f.add(g, f.c(1.0)), f.c(2.0)), last)
                          : f.div(f.sub(f.mul(f.add(g, f.c(1.0)), size), f.c(1.0)), f.c(2.0));
        if (nearest)
          coord = math::RoundEvenOp::create(b, nloc, coord);
        // Nearest and linear fold a coordinate outside the image back in; cubic leaves it
        // and pads each of its taps instead (PyTorch and ONNX Runtime; the reference also
        // folds the coordinate, which differs from them with border padding).
        Value outside = arith::OrIOp::create(b, nloc, f.lt(coord, lo), f.gt(coord, hi));
        if (padding == Padding::Border && !cubic)
          coord = f.select(outside, f.clamp(coord, f.c(0.0), last), coord);
        else if (padding == Padding::Reflection && !cubic)
          coord = f.reflect(coord, lo, hi);
        // Far outside the image (or NaN) keep the conversion to an integer defined: with
        // zeros padding every tap is outside either way, and a reflected tap stays exact.
        const double far = 1 << 22;
        coord = padding == Padding::Zeros ? f.clamp(coord, f.c(-4.0), f.add(size, f.c(3.0)))
                                          : f.clamp(coord, f.c(-far), f.c(far));

        // The index to read for integer position `i` and whether it is inside the image.
        auto tapAt = [&](Value i, Value weight) {
          Value inside = arith::AndIOp::create(
              b, nloc, arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::sge, i, zeroI),
              arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::sle, i, lastI));
          if (padding == Padding::Reflection)
            i = f.toI64(f.reflect(arith::SIToFPOp::create(b, nloc, computeType, i), lo, hi));
          i = arith::MaxSIOp::create(b, nloc, arith::MinSIOp::create(b, nloc, i, lastI), zeroI);
          Value index = arith::IndexCastOp::create(b, nloc, b.getIndexType(), i);
          return Tap{index, padding == Padding::Zeros ? inside : Value(), weight};
        };
        if (nearest) {
          taps[d].push_back(tapAt(f.toI64(coord), Value()));
          continue;
        }
        Value fl = math::FloorOp::create(b, nloc, coord);
        Value t = f.sub(coord, fl);
        Value base = f.toI64(fl);
        auto at = [&](int64_t offset, Value weight) {
          Value i = arith::AddIOp::create(b, nloc, base,
                                          arith::ConstantIntOp::create(b, nloc, i64, offset));
          taps[d].push_back(tapAt(i, weight));
        };
        if (!cubic) {
          at(0, f.sub(f.c(1.0), t));
          at(1, t);
          continue;
        }
        // Keys' cubic convolution with A = -0.75, as PyTorch and the reference.
        const double A = -0.75;
        auto outer = [&](Value s) { // 1 < s < 2
          return f.sub(f.mul(f.add(f.mul(f.sub(f.mul(f.c(A), s), f.c(5 * A)), s), f.c(8 * A)), s),
                       f.c(4 * A));
        };
        auto inner = [&](Value s) { // 0 <= s <= 1
          return f.add(f.mul(f.mul(f.sub(f.mul(f.c(A + 2), s), f.c(A + 3)), s), s), f.c(1.0));
        };
        Value s = f.sub(f.c(1.0), t);
        at(-1, outer(f.add(t, f.c(1.0))));
        at(0, inner(t));
        at(1, inner(s));
        at(2, outer(f.add(s, f.c(1.0))));
      }

      // Sum over every combination of the per-axis taps.
      Value n = linalg::IndexOp::create(b, nloc, 0), c = linalg::IndexOp::create(b, nloc, 1);
      Value zeroElem = createScalarConstant(b, nloc, elemType, 0);
      Value acc;
      SmallVector<int64_t> pick(spatial, 0);
      while (true) {
        SmallVector<Value> idx{n, c};
        Value weight, inside;
        for (int64_t d = 0; d < spatial; ++d) {
          const Tap &tap = taps[d][pick[d]];
          idx.push_back(tap.index);
          if (tap.weight)
            weight = weight ? f.mul(weight, tap.weight) : tap.weight;
          if (tap.inside)
            inside = inside ? arith::AndIOp::create(b, nloc, inside, tap.inside).getResult()
                            : tap.inside;
        }
        Value v = tensor::ExtractOp::create(b, nloc, x, idx);
        if (nearest) {
          acc = inside ? f.select(inside, v, zeroElem) : v;
        } else {
          if (v.getType() != computeType)
            v = arith::ExtFOp::create(b, nloc, computeType, v);
          Value term = f.mul(weight, v);
          if (inside)
            term = f.select(inside, term, f.c(0.0));
          acc = acc ? f.add(acc, term) : term;
        }
        int64_t d = spatial - 1;
        for (; d >= 0; --d) {
          if (++pick[d] < static_cast<int64_t>(taps[d].size()))
            break;
          pick[d] = 0;
        }
        if (d < 0)
          break;
      }
      if (!nearest && acc.getType() != elemType)
        acc = arith::TruncFOp::create(b, nloc, elemType, acc);
      linalg::YieldOp::create(b, nloc, acc);
    };

    Value init =
        createEmpty(rewriter, loc, resultType, dynamicSizesOf(rewriter, loc, resultType, outSizes));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(rewriter, loc, TypeRange{resultType}, ins,
                                             ValueRange{init}, maps, iterators, body);
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateGridSamplePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
