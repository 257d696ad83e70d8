//===- Conv.cpp - Lower onnx.Conv to linalg convolutions ------------------===//
//
// Conv (NC + 1 to 3 spatial dims, any group) becomes the linalg named convolution that
// fits, so later tiling and vectorization recognize it:
//   2-D f32, group == 1           -> im2col + a contraction (ConvKernels.cpp)
//   group == 1                    -> linalg.conv_{1d_ncw_fcw,2d_nchw_fchw,3d_ncdhw_fcdhw}
//   depthwise (group == C == M)   -> 2-D: a channels-outer generic (ConvKernels.cpp);
//                                    else linalg.depthwise_conv_{1d_ncw_cw,2d_nchw_chw,3d_ncdhw_cdhw}
//   other groups, 2-D             -> linalg.conv_2d_ngchw_gfchw on expanded operands
//   anything else                 -> an equivalent grouped linalg.generic
// Pads become a zero tensor.pad of X; the bias is a per-channel elementwise epilogue.
// f16 and bf16 convolutions compute in f32 and round once.
// buildConvolution (ConvKernels.h) does all of it for any element type, so ConvInteger and
// QLinearConv (ConvInteger.cpp) reuse it on their i32 operands.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/ConvKernels.h"
#include "passes/OnnxToLinalg/NN/Window.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Reassociation that splits (expand) or merges (collapse) dim `d` and `d + 1` of a
/// rank-`rank` tensor (the rank of the larger side) and keeps the others.
SmallVector<ReassociationIndices> pairAt(int64_t d, int64_t rank) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i < rank; ++i) {
    if (i == d + 1)
      continue;
    groups.push_back(i == d ? ReassociationIndices{i, i + 1} : ReassociationIndices{i});
  }
  return groups;
}

/// Returns `type` with dim `d` split into [outer, size / outer].
RankedTensorType splitDim(RankedTensorType type, int64_t d, int64_t outer, int64_t inner) {
  SmallVector<int64_t> shape(type.getShape());
  shape[d] = inner;
  shape.insert(shape.begin() + d, outer);
  return RankedTensorType::get(shape, type.getElementType());
}

/// A grouped convolution of any spatial rank as a linalg.generic:
///   out[n, g, m, o...] += x[n, g, c, o * stride + k * dilation...] * w[g, m, c, k...]
/// over x [N, G, C/G, spatial...], w [G, M/G, C/G, kernel...] and out [N, G, M/G, out...].
Value buildGroupedConvGeneric(OpBuilder &b, Location loc, Value x, Value w, Value out,
                              const Window &window) {
  MLIRContext *ctx = b.getContext();
  int64_t spatial = window.kernel.size();
  int64_t numDims = 4 + 2 * spatial; // n, g, m, o..., c, k...
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  AffineExpr n = dim(0), g = dim(1), m = dim(2), c = dim(3 + spatial);
  SmallVector<AffineExpr> xExprs{n, g, c}, wExprs{g, m, c}, outExprs{n, g, m};
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = dim(3 + i), k = dim(4 + spatial + i);
    xExprs.push_back(o * window.strides[i] + k * window.dilations[i]);
    wExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, xExprs, ctx),
                              AffineMap::get(numDims, 0, wExprs, ctx),
                              AffineMap::get(numDims, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(3 + spatial, utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{out.getType()}, ValueRange{x, w}, ValueRange{out}, maps, iterators,
             yieldMulAdd)
      .getResult(0);
}

} // namespace

FailureOr<Value> buildConvolution(ConversionPatternRewriter &rewriter, Operation *op, Value xIn,
                                  Value w, Value bias, int64_t group,
                                  std::optional<ArrayRef<int64_t>> kernelShape,
                                  RankedTensorType resultType, Value padValue,
                                  function_ref<Value(Value)> widenInput) {
  Location loc = op->getLoc();
  auto xType = dyn_cast<RankedTensorType>(xIn.getType());
  auto wType = dyn_cast<RankedTensorType>(w.getType());
  if (!xType || !wType)
    return reject(rewriter, op, "X and W must be ranked tensors");
  int64_t rank = xType.getRank(), spatial = rank - 2;
  if (spatial < 1 || wType.getRank() != rank || resultType.getRank() != rank)
    return reject(rewriter, op, "X, W and Y must have the same rank, at least 3");
  ArrayRef<int64_t> kernel = wType.getShape().drop_front(2);
  if (ShapedType::isDynamicShape(kernel))
    return reject(rewriter, op, "the kernel's spatial sizes (W dims 2+) are dynamic");
  if (kernelShape && *kernelShape != kernel)
    return reject(rewriter, op, "kernel_shape does not match the shape of W");
  int64_t m = wType.getDimSize(0), cg = wType.getDimSize(1);
  if (ShapedType::isDynamic(m) || ShapedType::isDynamic(cg))
    return reject(rewriter, op, "W's channel dims (0 and 1) are dynamic");
  if (group < 1 || m % group != 0)
    return reject(rewriter, op, "W's output channels are not divisible by group");
  if (!xType.isDynamicDim(1) && xType.getDimSize(1) != cg * group)
    return reject(rewriter, op,
                  "X has " + Twine(xType.getDimSize(1)) + " channels but W and group expect " +
                      Twine(cg * group));
  if (resultType.getDimSize(1) != m && !resultType.isDynamicDim(1))
    return reject(rewriter, op, "Y's channel count differs from W's");
  bool hasBias = bias && !isa<NoneType>(bias.getType());
  if (hasBias) {
    auto bType = dyn_cast<RankedTensorType>(bias.getType());
    if (!bType || bType.getRank() != 1)
      return reject(rewriter, op, "the bias B is not a 1-D tensor");
  }
  FailureOr<Window> window = getWindow(rewriter, op, xType, kernel, /*ceilMode=*/false);
  if (failed(window))
    return failure();

  // The kernels index X's channels and B by W's counts.
  checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, xIn, 1),
                  rewriter.getIndexAttr(cg * group),
                  "X has {} channels but W and group expect {}");
  if (hasBias)
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, bias, 0),
                    rewriter.getIndexAttr(m), "B has {} entries but W has {} output channels");
  // A dynamic spatial dim must hold the dilated kernel once padded.
  for (int64_t i = 0; i < spatial; ++i) {
    if (!xType.isDynamicDim(2 + i))
      continue;
    // SAME pads computed at run time make any size >= 1 hold it.
    int64_t pads = window->runtimeSamePads[i] ? (kernel[i] - 1) * window->dilations[i]
                                              : window->padBegin[i] + window->padEnd[i];
    int64_t extent = (kernel[i] - 1) * window->dilations[i] + 1 - pads;
    checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge,
               tensor::getMixedSize(rewriter, loc, xIn, 2 + i),
               rewriter.getIndexAttr(extent),
               "X has size {} in spatial dim " + Twine(i) +
                   ", less than the padded kernel needs ({})");
  }
  Type elementType = resultType.getElementType();
  Value zero = createScalarConstant(rewriter, loc, elementType, 0);
  Value x = padSpatial(rewriter, loc, xIn, *window, widenInput ? padValue : zero);
  Value init = createWindowOutput(rewriter, loc, op, resultType, xIn,
                                  rewriter.getIndexAttr(m), *window, zero);
  Attribute strides = getI64VectorAttr(rewriter, window->strides);
  Attribute dilations = getI64VectorAttr(rewriter, window->dilations);
  SmallVector<Type> resultTypes{resultType};

  Value result;
  if (group == 1 && spatial == 2 &&
      (result = buildConv2DAsMatmul(rewriter, loc, x, w, resultType, *window, init, widenInput))) {
    // im2col + contraction (ConvKernels.cpp)
  } else if (group == 1 && spatial == 1 &&
             (result = buildConv1DAsMatmul(rewriter, loc, x, w, resultType, *window, init,
                                           widenInput))) {
    // the same over a unit height
  } else if (widenInput && !(x = widenInput(x))) {
    return failure();
  } else if (group == 1 && spatial <= 3) {
    SmallVector<Value> ins{x, w};
    if (spatial == 1)
      result = linalg::Conv1DNcwFcwOp::create(rewriter, loc, resultTypes, ins, init, strides,
                                              dilations)
                   .getResult(0);
    else if (spatial == 2)
      result = linalg::Conv2DNchwFchwOp::create(rewriter, loc, resultTypes, ins, init, strides,
                                                dilations)
                   .getResult(0);
    else
      result = linalg::Conv3DNcdhwFcdhwOp::create(rewriter, loc, resultTypes, ins, init, strides,
                                                  dilations)
                   .getResult(0);
  } else if (cg == 1 && m == group && spatial <= 3) {
    // Depthwise: W [C, 1, k...] drops its unit dim to the [C, k...] the op takes.
    SmallVector<ReassociationIndices> reassociation = pairAt(0, rank);
    Value wc = tensor::CollapseShapeOp::create(rewriter, loc, w, reassociation);
    SmallVector<Value> ins{x, wc};
    if (spatial == 2)
      result = buildDepthwiseConv2D(rewriter, loc, x, wc, init, *window);
    else if (spatial == 1)
      result = linalg::DepthwiseConv1DNcwCwOp::create(rewriter, loc, resultTypes, ins, init,
                                                      strides, dilations)
                   .getResult(0);
    else
      result = linalg::DepthwiseConv3DNcdhwCdhwOp::create(rewriter, loc, resultTypes, ins, init,
                                                          strides, dilations)
                   .getResult(0);
  } else {
    // Split channels into groups: X [N, G, C/G, ...], W [G, M/G, C/G, ...],
    // Y [N, G, M/G, ...], then merge Y's group dims back.
    auto paddedType = cast<RankedTensorType>(x.getType());
    Value xg = tensor::ExpandShapeOp::create(rewriter, loc, splitDim(paddedType, 1, group, cg), x,
                                             pairAt(1, rank + 1));
    Value wg = tensor::ExpandShapeOp::create(rewriter, loc, splitDim(wType, 0, group, m / group),
                                             w, pairAt(0, rank + 1));
    auto initType = cast<RankedTensorType>(init.getType());
    Value initg = tensor::ExpandShapeOp::create(
        rewriter, loc, splitDim(initType, 1, group, m / group), init, pairAt(1, rank + 1));
    Value resultg;
    if (spatial == 2)
      resultg = linalg::Conv2DNgchwGfchwOp::create(rewriter, loc, TypeRange{initg.getType()},
                                                   ValueRange{xg, wg}, initg, strides, dilations)
                    .getResult(0);
    else
      resultg = buildGroupedConvGeneric(rewriter, loc, xg, wg, initg, *window);
    result =
        tensor::CollapseShapeOp::create(rewriter, loc, resultType, resultg, pairAt(1, rank + 1));
  }

  if (hasBias)
    result = addChannelBias(rewriter, loc, result, bias);
  return result;
}

namespace {

/// `value` (a ranked tensor, or none) with its float elements converted to `element`.
Value convertFloatElements(OpBuilder &b, Location loc, Value value, Type element) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getElementType() == element)
    return value;
  auto resultType = type.clone(element);
  int64_t rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{value},
             ValueRange{createEmptyLike(b, loc, resultType, value)},
             ArrayRef<AffineMap>{identity, identity},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, castScalar(nb, l, args[0], element, false, false));
             })
      .getResult(0);
}

struct ConvLowering : OnnxLoweringPattern<ConvOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ConvOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    std::optional<ArrayRef<int64_t>> kernelShape;
    if (auto attr = op.getKernelShape())
      kernelShape = *attr;
    Location loc = op.getLoc();
    Value x = adaptor.getX(), w = adaptor.getW(), b = adaptor.getB();
    Type element = resultType.getElementType();
    // f16 and bf16 accumulate in f32 and round once at the end, as ONNX Runtime and the
    // ONNX reference (numpy's half-precision matmul sums in float) do: summing hundreds
    // of products in 11 bits of precision would drift by several ulps.
    bool widen = isa<FloatType>(element) && element.getIntOrFloatBitWidth() < 32;
    RankedTensorType computeType = resultType;
    if (widen) {
      Type f32 = rewriter.getF32Type();
      x = convertFloatElements(rewriter, loc, x, f32);
      w = convertFloatElements(rewriter, loc, w, f32);
      b = convertFloatElements(rewriter, loc, b, f32);
      computeType = resultType.clone(f32);
    }
    FailureOr<Value> result =
        buildConvolution(rewriter, op, x, w, b, static_cast<int64_t>(op.getGroup()), kernelShape,
                         computeType);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, widen ? convertFloatElements(rewriter, loc, *result, element) : *result);
    return success();
  }
};

} // namespace

void populateConvPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
