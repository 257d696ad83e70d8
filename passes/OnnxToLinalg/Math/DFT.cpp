//===- DFT.cpp - Lower onnx.DFT and onnx.STFT to linalg.generic -----------===//
//
// The Fourier transforms as direct sums (O(n) per output element): one linalg.generic
// whose iteration space is the output plus a reduction dim q over the input samples,
//   out[.., p, .., c] = scale * sum_q component c of x[q] * e^(sign * 2 pi i p q / n),
// the angle reduced mod n in integers first and its cos and sin taken in f64. DFT covers the
// forward transform (full or one-sided), the inverse, and the one-sided inverse (irfft: the
// Hermitian half counted twice, the real part only); STFT reads frames of the signal weighted by
// the window. A run-time DFT axis is switched on (switchOnAxis). 16-bit floats are computed in f32.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"

#include <tuple>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Reads the (weighted) sample q for the output element at `outIdx`: (real, imaginary).
using SampleFn = function_ref<std::pair<Value, Value>(OpBuilder &, Location, ValueRange, Value)>;

/// The sum of the header: `outSizes` (the last one 1 or 2: real only, or real and
/// imaginary), the frequency (or, inverse, time) index p in dim `freqDim`, q < `terms`.
/// Returns a tensor of `computeType`, static where `outSizes` are constants.
Value buildFourierSum(OpBuilder &b, Location loc, Type computeType, ArrayRef<Value> outSizes,
                      int64_t freqDim, Value terms, Value n, bool inverse, Value scale,
                      SampleFn sample) {
  int64_t rank = outSizes.size();
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamic;
  for (Value size : outSizes) {
    std::optional<int64_t> c = getConstantIntValue(size);
    shape.push_back(c ? *c : ShapedType::kDynamic);
    if (!c)
      dynamic.push_back(size);
  }
  auto type = RankedTensorType::get(shape, computeType);
  Value init = fill(b, loc, createEmpty(b, loc, type, dynamic),
                    createScalarConstant(b, loc, computeType, 0));
  // The samples are read by index (two components, a strided frame); the reduction dim
  // q takes its size from a shape-only operand, as the window of linalg's pooling ops.
  auto boundType = RankedTensorType::get({ShapedType::kDynamic}, b.getI1Type());
  Value bound = createEmpty(b, loc, boundType, ValueRange{terms});
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps{
      AffineMap::get(rank + 1, 0, {getAffineDimExpr(rank, ctx)}, ctx),
      AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  // The twiddles in f64 (then rounded): sin(pi) in f32 is far from 0 at atol 1e-5.
  Type f64 = b.getF64Type();
  Value twoPiOverN = arith::DivFOp::create(
      b, loc, createScalarConstant(b, loc, f64, 2 * llvm::numbers::pi),
      arith::SIToFPOp::create(b, loc, f64, arith::IndexCastOp::create(b, loc, b.getI64Type(), n)));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{bound}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> idx;
        for (int64_t d = 0; d < rank; ++d)
          idx.push_back(linalg::IndexOp::create(nb, l, d));
        Value q = linalg::IndexOp::create(nb, l, rank);
        auto [xr, xi] = sample(nb, l, idx, q);
        Value pq = arith::RemUIOp::create(nb, l, arith::MulIOp::create(nb, l, idx[freqDim], q), n);
        Value angle = arith::MulFOp::create(
            nb, l,
            arith::SIToFPOp::create(nb, l, f64,
                                    arith::IndexCastOp::create(nb, l, nb.getI64Type(), pq)),
            twoPiOverN);
        Value cos = math::CosOp::create(nb, l, angle);
        Value sin = math::SinOp::create(nb, l, angle);
        if (computeType != f64) {
          cos = arith::TruncFOp::create(nb, l, computeType, cos);
          sin = arith::TruncFOp::create(nb, l, computeType, sin);
        }
        // x * e^(+-i angle)
        Value real, imag;
        if (inverse) {
          real = arith::SubFOp::create(nb, l, arith::MulFOp::create(nb, l, xr, cos),
                                       arith::MulFOp::create(nb, l, xi, sin));
          imag = arith::AddFOp::create(nb, l, arith::MulFOp::create(nb, l, xi, cos),
                                       arith::MulFOp::create(nb, l, xr, sin));
        } else {
          real = arith::AddFOp::create(nb, l, arith::MulFOp::create(nb, l, xr, cos),
                                       arith::MulFOp::create(nb, l, xi, sin));
          imag = arith::SubFOp::create(nb, l, arith::MulFOp::create(nb, l, xi, cos),
                                       arith::MulFOp::create(nb, l, xr, sin));
        }
        Value isReal = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, idx[rank - 1],
                                             arith::ConstantIndexOp::create(nb, l, 0));
        Value v = arith::SelectOp::create(nb, l, isReal, real, imag);
        if (scale)
          v = arith::MulFOp::create(nb, l, v, scale);
        linalg::YieldOp::create(nb, l, arith::AddFOp::create(nb, l, args[1], v).getResult());
      });
  return generic.getResult(0);
}

/// `t` with its float elements converted to `elemType` (a no-op when they are).
Value convertElements(OpBuilder &b, Location loc, Value t, Type elemType) {
  auto type = cast<RankedTensorType>(t.getType());
  if (type.getElementType() == elemType)
    return t;
  auto outType = RankedTensorType::get(type.getShape(), elemType);
  MLIRContext *ctx = b.getContext();
  auto identity = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  return linalg::GenericOp::create(
             b, loc, TypeRange{outType}, ValueRange{t},
             ValueRange{createEmptyLike(b, loc, outType, t)}, SmallVector<AffineMap>(2, identity),
             SmallVector<utils::IteratorType>(type.getRank(), utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l, arith::TruncFOp::create(nb, l, elemType, args[0]).getResult());
             })
      .getResult(0);
}

/// The computation type of float `elemType`: f32 for the 16-bit floats.
Type computeTypeOf(OpBuilder &b, Type elemType) {
  return elemType.getIntOrFloatBitWidth() < 32 ? Type(b.getF32Type()) : elemType;
}

/// Checks that the last dim of the signal `x` is 1 (real) or 2 (complex); returns whether
/// the signal is complex (an i1), and the position of its imaginary part (0 when real).
std::pair<Value, Value> checkComponents(OpBuilder &b, Location loc, Operation *op, Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Value last = getDimValue(b, loc, x, rank - 1);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  checkSizes(b, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(last), b.getIndexAttr(1),
             "the signal's last dim is {}, not 1 or {}");
  checkSizes(b, loc, op, arith::CmpIPredicate::sle, getAsOpFoldResult(last), b.getIndexAttr(2),
             "the signal's last dim is {}, not 1 or {}");
  Value isComplex = b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, last,
                                                  arith::ConstantIndexOp::create(b, loc, 2));
  return {isComplex, b.createOrFold<arith::SubIOp>(loc, last, one)};
}

/// Reads x[pos] with its last index 0 (real) and `imagPos` (imaginary, 0 when real),
/// converted to `computeType`.
std::pair<Value, Value> readComplex(OpBuilder &b, Location loc, Value x, SmallVector<Value> pos,
                                    Value isComplex, Value imagPos, Type computeType) {
  auto ext = [&](Value v) {
    return v.getType() == computeType ? v : arith::ExtFOp::create(b, loc, computeType, v);
  };
  pos.back() = arith::ConstantIndexOp::create(b, loc, 0);
  Value xr = ext(tensor::ExtractOp::create(b, loc, x, pos));
  pos.back() = imagPos;
  Value xi = ext(tensor::ExtractOp::create(b, loc, x, pos));
  xi = arith::SelectOp::create(b, loc, isComplex, xi, createScalarConstant(b, loc, computeType, 0));
  return {xr, xi};
}

/// Reads an optional integer scalar as an index, or returns null.
Value optionalIndexScalar(OpBuilder &b, Location loc, Value v) {
  if (!v || isa<NoneType>(v.getType()))
    return nullptr;
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), extractScalar(b, loc, v));
}

/// Checks that the run-time length `n` is positive.
void checkPositive(OpBuilder &b, Location loc, Operation *op, Value n, const Twine &what) {
  checkSizes(b, loc, op, arith::CmpIPredicate::sgt, getAsOpFoldResult(n), b.getIndexAttr(0),
             what + " is {}, not greater than {}");
}

/// The DFT of `x` along the static `axis`, in the compute type.
Value buildDft(OpBuilder &b, Location loc, Operation *op, Value x, int64_t axis, Value dftLength,
               bool inverse, bool onesided, Type computeType) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<Value> sizes = getSizes(b, loc, x);
  Value isComplex, imagPos;
  std::tie(isComplex, imagPos) = checkComponents(b, loc, op, x);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value two = arith::ConstantIndexOp::create(b, loc, 2);
  Value length = sizes[axis];
  bool irfft = inverse && onesided;
  Value n = dftLength;
  if (!n) // irfft: the one-sided input of an even-length signal
    n = irfft ? b.createOrFold<arith::MulIOp>(loc, two,
                                              b.createOrFold<arith::SubIOp>(loc, length, one))
              : length;
  checkPositive(b, loc, op, n, "dft_length");
  Value half = b.createOrFold<arith::AddIOp>(loc, b.createOrFold<arith::DivUIOp>(loc, n, two), one);
  // The samples summed: the input, cut or zero-padded to n (irfft: to n / 2 + 1 bins).
  Value terms = b.createOrFold<arith::MinSIOp>(loc, length, irfft ? half : n);
  SmallVector<Value> outSizes(sizes);
  outSizes[axis] = onesided && !inverse ? half : n;
  outSizes[rank - 1] = arith::ConstantIndexOp::create(b, loc, irfft ? 1 : 2);
  Value scale;
  if (inverse)
    scale = arith::DivFOp::create(
        b, loc, createScalarConstant(b, loc, computeType, 1),
        arith::SIToFPOp::create(b, loc, computeType,
                                arith::IndexCastOp::create(b, loc, b.getI64Type(), n)));
  return buildFourierSum(
      b, loc, computeType, outSizes, axis, terms, n, inverse, scale,
      [&](OpBuilder &nb, Location l, ValueRange idx, Value q) -> std::pair<Value, Value> {
        SmallVector<Value> pos(idx.begin(), idx.end());
        pos[axis] = q;
        auto [xr, xi] = readComplex(nb, l, x, pos, isComplex, imagPos, computeType);
        if (irfft) { // bins 0 and n/2 once, the others for their conjugates too
          Value q2 = arith::MulIOp::create(nb, l, q, arith::ConstantIndexOp::create(nb, l, 2));
          Value once =
              arith::OrIOp::create(nb, l,
                                   arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, q,
                                                         arith::ConstantIndexOp::create(nb, l, 0)),
                                   arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, q2, n));
          Value w =
              arith::SelectOp::create(nb, l, once, createScalarConstant(nb, l, computeType, 1),
                                      createScalarConstant(nb, l, computeType, 2));
          xr = arith::MulFOp::create(nb, l, xr, w);
          xi = arith::MulFOp::create(nb, l, xi, w);
        }
        return {xr, xi};
      });
}

/// DFT (axis an input) and DFTV17 (axis an attribute).
template <typename OpTy> struct DftLowering : OnnxLoweringPattern<OpTy> {
  using OnnxLoweringPattern<OpTy>::OnnxLoweringPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult matchAndRewriteRanked(OpTy op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    auto xType = getRankedInputType(rewriter, op, x);
    if (!xType)
      return failure();
    int64_t rank = xType.getRank();
    if (rank < 2 || resultType.getRank() != rank)
      return reject(rewriter, op, "the input must have rank >= 2, as the result");
    Location loc = op.getLoc();
    Type elemType = xType.getElementType();
    Type computeType = computeTypeOf(rewriter, elemType);
    bool inverse = op.getInverse() != 0, onesided = op.getOnesided() != 0;
    Value dftLength = optionalIndexScalar(rewriter, loc, adaptor.getDftLength());
    auto build = [&](OpBuilder &b, Location l, int64_t axis) -> SmallVector<Value> {
      return {buildDft(b, l, op, x, axis, dftLength, inverse, onesided, computeType)};
    };
    std::optional<int64_t> axisValue;
    Value axisInput;
    if constexpr (std::is_same_v<OpTy, DFTV17Op>) {
      axisValue = op.getAxis();
    } else {
      axisInput = adaptor.getAxis();
      if (!axisInput || isa<NoneType>(axisInput.getType()))
        axisValue = -2;
      else if (std::optional<SmallVector<int64_t>> c = matchConstantI64s(axisInput);
               c && c->size() == 1)
        axisValue = (*c)[0];
    }
    Value result;
    if (axisValue) {
      int64_t axis = *axisValue < 0 ? *axisValue + rank : *axisValue;
      if (axis < 0 || axis > rank - 2)
        return reject(rewriter, op,
                      "axis " + Twine(*axisValue) + " is out of range for rank " + Twine(rank));
      result = build(rewriter, loc, axis).front();
    } else {
      SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
      shape.back() = inverse && onesided ? 1 : 2;
      auto switchType = RankedTensorType::get(shape, computeType);
      result = switchOnAxis(rewriter, loc, op, axisInput, rank, TypeRange{switchType}, build,
                            /*numAxes=*/rank - 1)
                   .front();
    }
    result = convertElements(rewriter, loc, result, resultType.getElementType());
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

/// STFT: out[b, f, k, c] = sum over t < frame_length of window[t] * x[b, f * step + t]
/// rotated by -2 pi k t / frame_length.
struct StftLowering : OnnxLoweringPattern<STFTOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(STFTOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getSignal();
    auto xType = getRankedInputType(rewriter, op, x, "the signal");
    if (!xType)
      return failure();
    if (xType.getRank() != 3 || resultType.getRank() != 4)
      return reject(rewriter, op, "the signal is not [batch, length, 1 or 2]");
    Location loc = op.getLoc();
    Type computeType = computeTypeOf(rewriter, xType.getElementType());
    bool onesided = op.getOnesided() != 0;
    Value window = adaptor.getWindow();
    bool hasWindow = window && !isa<NoneType>(window.getType());
    if (hasWindow) {
      auto windowType = getRankedInputType(rewriter, op, window, "the window");
      if (!windowType)
        return failure();
      if (windowType.getRank() != 1)
        return reject(rewriter, op, "the window is not 1-D");
    }
    SmallVector<Value> sizes = getSizes(rewriter, loc, x);
    Value length = sizes[1];
    Value frameLength = optionalIndexScalar(rewriter, loc, adaptor.getFrameLength());
    if (!frameLength)
      frameLength = hasWindow ? getDimValue(rewriter, loc, window, 0) : length;
    else if (hasWindow)
      checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(getDimValue(rewriter, loc, window, 0)),
                      getAsOpFoldResult(frameLength),
                      "the window has {} elements where frame_length is {}");
    Value step = optionalIndexScalar(rewriter, loc, adaptor.getFrameStep());
    checkPositive(rewriter, loc, op, step, "frame_step");
    checkPositive(rewriter, loc, op, frameLength, "frame_length");
    checkSizes(rewriter, loc, op, arith::CmpIPredicate::sle, getAsOpFoldResult(frameLength),
               getAsOpFoldResult(length), "frame_length {} exceeds the signal length {}");
    Value isComplex, imagPos;
    std::tie(isComplex, imagPos) = checkComponents(rewriter, loc, op, x);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value two = arith::ConstantIndexOp::create(rewriter, loc, 2);
    Value frames = rewriter.createOrFold<arith::AddIOp>(
        loc,
        rewriter.createOrFold<arith::DivUIOp>(
            loc, rewriter.createOrFold<arith::SubIOp>(loc, length, frameLength), step),
        one);
    Value bins = onesided
                     ? rewriter.createOrFold<arith::AddIOp>(
                           loc, rewriter.createOrFold<arith::DivUIOp>(loc, frameLength, two), one)
                     : frameLength;
    SmallVector<Value> outSizes{sizes[0], frames, bins, two};
    Value result = buildFourierSum(
        rewriter, loc, computeType, outSizes, /*freqDim=*/2, frameLength, frameLength,
        /*inverse=*/false, /*scale=*/nullptr,
        [&](OpBuilder &b, Location l, ValueRange idx, Value t) -> std::pair<Value, Value> {
          Value pos = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, idx[1], step), t);
          auto [xr, xi] =
              readComplex(b, l, x, {idx[0], pos, idx[3]}, isComplex, imagPos, computeType);
          if (hasWindow) {
            Value w = tensor::ExtractOp::create(b, l, window, ValueRange{t});
            if (w.getType() != computeType)
              w = arith::ExtFOp::create(b, l, computeType, w);
            xr = arith::MulFOp::create(b, l, xr, w);
            xi = arith::MulFOp::create(b, l, xi, w);
          }
          return {xr, xi};
        });
    result = convertElements(rewriter, loc, result, resultType.getElementType());
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateDFTPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<DftLowering<DFTOp>, DftLowering<DFTV17Op>, StftLowering>(converter,
                                                                        patterns.getContext());
}

} // namespace kiln::conversion
