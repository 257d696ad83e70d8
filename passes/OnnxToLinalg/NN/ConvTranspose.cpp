//===- ConvTranspose.cpp - Lower onnx.ConvTranspose -----------------------===//
//
// f32 with group 1 takes two steps: the products of every input pixel with every kernel
// tap, cols[n, m, k..., i...] = sum_c W[c, m, k...] * X[n, c, i...] (a contraction the
// backend's register-tiled kernel runs, pixels along the vector lanes), then each output
// pixel sums the taps that land on it, gathering cols at i = (o + pad - k * dilation) /
// stride where that divides exactly and is in range (at most ceil(K / stride) taps per
// dim contribute; a stride-2 2x2 upsampling has exactly one, and when the kernel equals
// the stride, with no padding, the gather is a plain permutation of cols). Other cases are one
// generic that gathers X the same way inside the channel sum. Both read with
// tensor.extract at a position computed from the indices, never from data.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/ConvKernels.h"
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
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// ConvTranspose as one generic over (N, M, out spatial..., c, kernel...): each kernel tap
/// reads the input at (o + pad_begin - k * dilation) / stride when that divides exactly
/// and is in range.
struct ConvTransposeLowering : OnnxLoweringPattern<ConvTransposeOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ConvTransposeOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX(), w = adaptor.getW();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto wType = dyn_cast<RankedTensorType>(w.getType());
    if (!xType || !wType || xType.getRank() < 3 || wType.getRank() != xType.getRank() ||
        resultType.getRank() != xType.getRank())
      return reject(rewriter, op, "X, W and the result are not ranked alike");
    if (!isa<FloatType>(resultType.getElementType()))
      return reject(rewriter, op, "only float ConvTranspose is supported");
    if (!wType.hasStaticShape() || xType.isDynamicDim(1))
      return reject(rewriter, op, "W's shape or X's channel count is not static");
    int64_t ns = xType.getRank() - 2;
    int64_t group = static_cast<int64_t>(op.getGroup());
    int64_t channels = xType.getDimSize(1);
    if (group <= 0 || channels % group != 0 || wType.getDimSize(0) != channels)
      return reject(rewriter, op, "channels do not match W and group");
    int64_t cg = channels / group, mg = wType.getDimSize(1), m = mg * group;
    auto attr = [&](std::optional<ArrayRef<int64_t>> v, int64_t size, int64_t dflt) {
      SmallVector<int64_t> r(size, dflt);
      if (v && static_cast<int64_t>(v->size()) == size)
        r.assign(v->begin(), v->end());
      return r;
    };
    SmallVector<int64_t> strides = attr(op.getStrides(), ns, 1);
    SmallVector<int64_t> dilations = attr(op.getDilations(), ns, 1);
    SmallVector<int64_t> outPad = attr(op.getOutputPadding(), ns, 0);
    SmallVector<int64_t> pads = attr(op.getPads(), 2 * ns, 0);
    SmallVector<int64_t> kernel(wType.getShape().begin() + 2, wType.getShape().end());
    StringRef autoPad = op.getAutoPad();
    std::optional<ArrayRef<int64_t>> outShapeAttr = op.getOutputShape();
    SmallVector<int64_t> outShape(ns);
    bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    if (autoPad == "VALID")
      pads.assign(2 * ns, 0);
    bool hasOutShape = outShapeAttr && static_cast<int64_t>(outShapeAttr->size()) == ns;
    Location loc = op.getLoc();
    // A dynamic spatial size: out = stride * (in - 1) + output_padding + extent - pads, or
    // in * stride with SAME padding, whose total padding (output_padding + extent - stride)
    // does not depend on the input size.
    SmallVector<int64_t> outOffsets(ns, 0); // out = in * stride + offset, for dynamic `in`
    for (int64_t i = 0; i < ns; ++i) {
      int64_t in = xType.getDimSize(2 + i), ke = (kernel[i] - 1) * dilations[i] + 1;
      if (ShapedType::isDynamic(in)) {
        if (hasOutShape && same)
          return reject(rewriter, op,
                        "output_shape with SAME padding needs static spatial input dims");
        outShape[i] = hasOutShape ? (*outShapeAttr)[i] : ShapedType::kDynamic;
        if (same) {
          int64_t total = outPad[i] + ke - strides[i];
          pads[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
          pads[ns + i] = total - pads[i];
        } else {
          outOffsets[i] = outPad[i] + ke - pads[i] - pads[ns + i] - strides[i];
        }
        continue;
      }
      if (hasOutShape)
        outShape[i] = (*outShapeAttr)[i];
      else if (same)
        outShape[i] = in * strides[i];
      else
        outShape[i] = strides[i] * (in - 1) + outPad[i] + ke - pads[i] - pads[ns + i];
      if (same) {
        int64_t total = strides[i] * (in - 1) + outPad[i] + ke - outShape[i];
        int64_t half = total / 2;
        pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
        pads[ns + i] = total - pads[i];
      }
      if (!resultType.isDynamicDim(2 + i) && resultType.getDimSize(2 + i) != outShape[i])
        return reject(rewriter, op, "the inferred output shape does not match the attributes");
    }
    if (!resultType.isDynamicDim(1) && resultType.getDimSize(1) != m)
      return reject(rewriter, op, "the result channel count is not W.shape[1] * group");
    SmallVector<Value> inSizes(ns), outSizes(ns);
    for (int64_t i = 0; i < ns; ++i) {
      if (!xType.isDynamicDim(2 + i)) {
        inSizes[i] = arith::ConstantIndexOp::create(rewriter, loc, xType.getDimSize(2 + i));
        continue;
      }
      inSizes[i] = tensor::DimOp::create(rewriter, loc, x, 2 + i);
      outSizes[i] = arith::AddIOp::create(
          rewriter, loc,
          arith::MulIOp::create(rewriter, loc, inSizes[i],
                                arith::ConstantIndexOp::create(rewriter, loc, strides[i])),
          arith::ConstantIndexOp::create(rewriter, loc, outOffsets[i]));
    }
    // Iterate over (n, g, mm, o..., c, k...) with W viewed as [g, c, mm, k...] and the
    // result as [n, g, mm, o...], so every map is a projection.
    SmallVector<int64_t> shape{xType.getDimSize(0), group, mg};
    shape.append(outShape);
    auto accType = RankedTensorType::get(shape, resultType.getElementType());
    SmallVector<int64_t> wShape{group, cg, mg};
    wShape.append(kernel);
    SmallVector<ReassociationIndices> wGroups{{0, 1}, {2}};
    for (int64_t i = 0; i < ns; ++i)
      wGroups.push_back({3 + i});
    auto wExpType = RankedTensorType::get(wShape, wType.getElementType());
    Value wExp = tensor::ExpandShapeOp::create(rewriter, loc, wExpType, w, wGroups);
    SmallVector<Value> dyn;
    if (accType.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(rewriter, loc, x, 0));
    for (int64_t i = 0; i < ns; ++i)
      if (ShapedType::isDynamic(outShape[i]))
        dyn.push_back(outSizes[i]);
    Value zero = createScalarConstant(rewriter, loc, accType.getElementType(), 0);
    Value init = linalg::FillOp::create(rewriter, loc, zero, createEmpty(rewriter, loc, accType, dyn))
                     .getResult(0);

    MLIRContext *ctx = rewriter.getContext();
    if (group == 1 && resultType.getElementType().isF32() && xType.getElementType().isF32() &&
        wType.getElementType().isF32()) {
      // Kernel = stride with no padding, dilation or extra output rows (a 2x2 stride-2
      // upsampling): every output pixel takes exactly one tap, so the gather is a
      // permutation of the taps.
      bool nonOverlapping = true;
      for (int64_t i = 0; i < ns; ++i) {
        int64_t in = xType.getDimSize(2 + i);
        nonOverlapping &= kernel[i] == strides[i] && dilations[i] == 1 && pads[i] == 0 &&
                          pads[ns + i] == 0 &&
                          (ShapedType::isDynamic(in) ? outOffsets[i] == 0 && !hasOutShape
                                                     : outShape[i] == in * strides[i]);
      }
      // Without overlaps every output takes one tap, so the bias goes on the taps: fusion
      // then adds it in the permutation copy instead of a pass over the output (a 2x2
      // stride-2 24 -> 24 channel upsampling at 160x160: 6.9 -> 5.4 ms with the output
      // written in place).
      Value bias = adaptor.getB();
      bool biasOnTaps = nonOverlapping && !isa<NoneType>(bias.getType());
      Value result = buildTapsThenGather(rewriter, loc, x, w, xType, kernel, strides, dilations,
                                         pads, inSizes, init, m, nonOverlapping,
                                         biasOnTaps ? bias : Value());
      SmallVector<ReassociationIndices> outGroups{{0}, {1, 2}};
      for (int64_t i = 0; i < ns; ++i)
        outGroups.push_back({3 + i});
      SmallVector<int64_t> outFull{xType.getDimSize(0), m};
      outFull.append(outShape);
      result = tensor::CollapseShapeOp::create(
          rewriter, loc, RankedTensorType::get(outFull, resultType.getElementType()), result,
          outGroups);
      if (!isa<NoneType>(bias.getType()) && !biasOnTaps)
        result = addChannelBias(rewriter, loc, result, bias);
      rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
      return success();
    }
    int64_t loops = 3 + ns + 1 + ns, cDim = 3 + ns;
    SmallVector<AffineExpr> wExprs{getAffineDimExpr(1, ctx), getAffineDimExpr(cDim, ctx),
                                   getAffineDimExpr(2, ctx)};
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < ns; ++i)
      wExprs.push_back(getAffineDimExpr(cDim + 1 + i, ctx));
    for (int64_t d = 0; d < 3 + ns; ++d)
      outExprs.push_back(getAffineDimExpr(d, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, wExprs, ctx),
                                AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
    for (int64_t d = cDim; d < loops; ++d)
      iterators[d] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, ValueRange{wExp}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto cst = [&](int64_t v) { return Value(arith::ConstantIndexOp::create(b, l, v)); };
          Value g = linalg::IndexOp::create(b, l, 1);
          Value c = linalg::IndexOp::create(b, l, cDim);
          Value channel =
              arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, g, cst(cg)), c);
          SmallVector<Value> src{linalg::IndexOp::create(b, l, 0), channel};
          Value valid = arith::ConstantIntOp::create(b, l, b.getI1Type(), 1);
          for (int64_t i = 0; i < ns; ++i) {
            Value o = linalg::IndexOp::create(b, l, 3 + i);
            Value k = linalg::IndexOp::create(b, l, cDim + 1 + i);
            Value t = arith::SubIOp::create(b, l, arith::AddIOp::create(b, l, o, cst(pads[i])),
                                            arith::MulIOp::create(b, l, k, cst(dilations[i])));
            Value nonNeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, t, cst(0));
            Value tc = arith::SelectOp::create(b, l, nonNeg, t, cst(0));
            Value divisible = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq, arith::RemUIOp::create(b, l, tc, cst(strides[i])),
                cst(0));
            Value qv = arith::DivUIOp::create(b, l, tc, cst(strides[i]));
            Value inRange =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, qv, inSizes[i]);
            valid = arith::AndIOp::create(
                b, l, valid,
                arith::AndIOp::create(b, l, nonNeg, arith::AndIOp::create(b, l, divisible, inRange)));
            src.push_back(arith::SelectOp::create(b, l, inRange, qv, cst(0)));
          }
          Value xv = tensor::ExtractOp::create(b, l, x, src);
          Value zeroF = createScalarConstant(b, l, xv.getType(), 0);
          xv = arith::SelectOp::create(b, l, valid, xv, zeroF);
          Value prod = arith::MulFOp::create(b, l, xv, args[0]);
          linalg::YieldOp::create(b, l, arith::AddFOp::create(b, l, args[1], prod).getResult());
        });
    SmallVector<ReassociationIndices> outGroups{{0}, {1, 2}};
    for (int64_t i = 0; i < ns; ++i)
      outGroups.push_back({3 + i});
    SmallVector<int64_t> outFull{xType.getDimSize(0), m};
    outFull.append(outShape);
    Value collapsed = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get(outFull, resultType.getElementType()),
        generic.getResult(0), outGroups);
    Value result = collapsed;
    if (!isa<NoneType>(adaptor.getB().getType()))
      result = addChannelBias(rewriter, loc, result, adaptor.getB());
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }

  /// Group 1, f32: the tap products as a contraction, then the gather-sum into `init`
  /// ([n, 1, m, o...], zero filled); returns the filled `init` (or, `nonOverlapping`, a
  /// value of its type that permuteTaps writes). A `tapBias` [m] is added to the taps.
  static Value buildTapsThenGather(OpBuilder &b, Location loc, Value x, Value w,
                                   RankedTensorType xType, ArrayRef<int64_t> kernel,
                                   ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                                   ArrayRef<int64_t> pads, ArrayRef<Value> inSizes, Value init,
                                   int64_t m, bool nonOverlapping, Value tapBias) {
    MLIRContext *ctx = b.getContext();
    int64_t ns = kernel.size();
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    Type f32 = b.getF32Type();
    Value zero = createScalarConstant(b, loc, f32, 0);
    // cols[n, m, k..., i...] over loops (n, m, k..., i..., c).
    int64_t loops = 2 + 2 * ns + 1, cDim = loops - 1;
    SmallVector<int64_t> colsShape{xType.getDimSize(0), m};
    colsShape.append(kernel.begin(), kernel.end());
    SmallVector<Value> colsDyn;
    if (ShapedType::isDynamic(colsShape[0]))
      colsDyn.push_back(tensor::DimOp::create(b, loc, x, 0));
    for (int64_t i = 0; i < ns; ++i) {
      colsShape.push_back(xType.getDimSize(2 + i));
      if (xType.isDynamicDim(2 + i))
        colsDyn.push_back(inSizes[i]);
    }
    auto colsType = RankedTensorType::get(colsShape, f32);
    Value colsInit = linalg::FillOp::create(
                         b, loc, zero, tensor::EmptyOp::create(b, loc, colsType, colsDyn).getResult())
                         .getResult(0);
    SmallVector<AffineExpr> wExprs{d(cDim), d(1)}, xExprs{d(0), d(cDim)}, colsExprs;
    for (int64_t i = 0; i < ns; ++i) {
      wExprs.push_back(d(2 + i));
      xExprs.push_back(d(2 + ns + i));
    }
    for (int64_t i = 0; i < cDim; ++i)
      colsExprs.push_back(d(i));
    SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
    iterators[cDim] = utils::IteratorType::reduction;
    Value cols =
        linalg::GenericOp::create(
            b, loc, TypeRange{colsType}, ValueRange{w, x}, ValueRange{colsInit},
            SmallVector<AffineMap>{AffineMap::get(loops, 0, wExprs, ctx),
                                   AffineMap::get(loops, 0, xExprs, ctx),
                                   AffineMap::get(loops, 0, colsExprs, ctx)},
            iterators,
            [](OpBuilder &nb, Location l, ValueRange args) {
              Value product = arith::MulFOp::create(nb, l, args[0], args[1]);
              linalg::YieldOp::create(nb, l,
                                      Value(arith::AddFOp::create(nb, l, args[2], product)));
            })
            .getResult(0);
    if (tapBias)
      cols = addChannelBias(b, loc, cols, tapBias); // cols' dim 1 is m too
    if (nonOverlapping)
      return permuteTaps(b, loc, cols, kernel, cast<RankedTensorType>(init.getType()));
    // out[n, 0, m, o...] += cols[n, m, k..., (o + pad - k * dilation) / stride] over the
    // taps k that divide exactly and land in range; loops (n, g, m, o..., k...).
    int64_t gLoops = 3 + 2 * ns;
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < 3 + ns; ++i)
      outExprs.push_back(d(i));
    SmallVector<utils::IteratorType> gIterators(gLoops, utils::IteratorType::parallel);
    SmallVector<AffineExpr> tapExprs;
    for (int64_t i = 3 + ns; i < gLoops; ++i) {
      gIterators[i] = utils::IteratorType::reduction;
      tapExprs.push_back(d(i));
    }
    // A [k...] operand gives the tap loops their bounds (its values are not read).
    auto tapsType = RankedTensorType::get(kernel, f32);
    Value taps = arith::ConstantOp::create(b, loc, tapsType, DenseElementsAttr::get(tapsType, 0.0f));
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{taps}, ValueRange{init},
               SmallVector<AffineMap>{AffineMap::get(gLoops, 0, tapExprs, ctx),
                                      AffineMap::get(gLoops, 0, outExprs, ctx)},
               gIterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 auto cst = [&](int64_t v) { return Value(arith::ConstantIndexOp::create(nb, l, v)); };
                 SmallVector<Value> src{linalg::IndexOp::create(nb, l, 0),
                                        linalg::IndexOp::create(nb, l, 2)};
                 SmallVector<Value> positions;
                 Value valid = arith::ConstantIntOp::create(nb, l, nb.getI1Type(), 1);
                 for (int64_t i = 0; i < ns; ++i) {
                   Value o = linalg::IndexOp::create(nb, l, 3 + i);
                   Value k = linalg::IndexOp::create(nb, l, 3 + ns + i);
                   src.push_back(k);
                   Value t = arith::SubIOp::create(
                       nb, l, arith::AddIOp::create(nb, l, o, cst(pads[i])),
                       arith::MulIOp::create(nb, l, k, cst(dilations[i])));
                   Value nonNeg = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, t, cst(0));
                   Value tc = arith::SelectOp::create(nb, l, nonNeg, t, cst(0));
                   Value divisible = arith::CmpIOp::create(
                       nb, l, arith::CmpIPredicate::eq,
                       arith::RemUIOp::create(nb, l, tc, cst(strides[i])), cst(0));
                   Value q = arith::DivUIOp::create(nb, l, tc, cst(strides[i]));
                   Value inRange =
                       arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, q, inSizes[i]);
                   valid = arith::AndIOp::create(
                       nb, l, valid,
                       arith::AndIOp::create(nb, l, nonNeg,
                                             arith::AndIOp::create(nb, l, divisible, inRange)));
                   positions.push_back(arith::SelectOp::create(nb, l, inRange, q, cst(0)));
                 }
                 src.append(positions);
                 Value tap = tensor::ExtractOp::create(nb, l, cols, src);
                 Value zeroF = createScalarConstant(nb, l, tap.getType(), 0);
                 tap = arith::SelectOp::create(nb, l, valid, tap, zeroF);
                 linalg::YieldOp::create(nb, l,
                                         Value(arith::AddFOp::create(nb, l, args[1], tap)));
               })
        .getResult(0);
  }

  /// The output of a ConvTranspose whose kernel equals its stride (no padding or
  /// dilation): out[n, 0, m, i0 * k0 + t0, ...] = cols[n, m, t..., i...], a copy of the
  /// taps `cols` ([n, m, k..., i...]) into the output viewed as [n, m, i0, k0, i1, k1, ...],
  /// with no index arithmetic. `type` is the output's [n, 1, m, o...].
  static Value permuteTaps(OpBuilder &b, Location loc, Value cols, ArrayRef<int64_t> kernel,
                           RankedTensorType type) {
    MLIRContext *ctx = b.getContext();
    int64_t ns = kernel.size();
    auto colsType = cast<RankedTensorType>(cols.getType());
    // The output viewed as [n, m, i0, k0, i1, k1, ...]; the loops run in that order but
    // for the last pair, swapped (..., k_last, i_last), so that the innermost loop reads
    // a row of cols contiguously (and writes every stride-th element of an output row).
    SmallVector<int64_t> shape{colsType.getDimSize(0), colsType.getDimSize(1)};
    SmallVector<Value> dynamic;
    if (colsType.isDynamicDim(0))
      dynamic.push_back(tensor::DimOp::create(b, loc, cols, 0));
    int64_t loops = 2 + 2 * ns;
    // Loop positions of i_j and k_j.
    auto iLoop = [&](int64_t j) { return j + 1 < ns ? 2 + 2 * j : loops - 1; };
    auto kLoop = [&](int64_t j) { return j + 1 < ns ? 3 + 2 * j : loops - 2; };
    SmallVector<AffineExpr> colsExprs{getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)};
    SmallVector<AffineExpr> outExprs{getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)};
    for (int64_t j = 0; j < ns; ++j)
      colsExprs.push_back(getAffineDimExpr(kLoop(j), ctx));
    for (int64_t j = 0; j < ns; ++j) {
      int64_t dim = 2 + ns + j;
      shape.append({colsType.getDimSize(dim), kernel[j]});
      if (colsType.isDynamicDim(dim))
        dynamic.push_back(tensor::DimOp::create(b, loc, cols, dim));
      colsExprs.push_back(getAffineDimExpr(iLoop(j), ctx));
      outExprs.append({getAffineDimExpr(iLoop(j), ctx), getAffineDimExpr(kLoop(j), ctx)});
    }
    auto outType = RankedTensorType::get(shape, type.getElementType());
    SmallVector<utils::IteratorType> parallel(loops, utils::IteratorType::parallel);
    Value out =
        linalg::GenericOp::create(
            b, loc, TypeRange{outType}, ValueRange{cols},
            ValueRange{createEmpty(b, loc, outType, dynamic)},
            SmallVector<AffineMap>{AffineMap::get(loops, 0, colsExprs, ctx),
                                   AffineMap::get(loops, 0, outExprs, ctx)},
            parallel,
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(nb, l, args[0]);
            })
            .getResult(0);
    // [n, m, i0, k0, ...] -> [n, m, o0, ...] -> [n, 1, m, o0, ...].
    SmallVector<ReassociationIndices> pixels{{0}, {1}};
    for (int64_t i = 0; i < ns; ++i)
      pixels.push_back({2 + 2 * i, 3 + 2 * i});
    SmallVector<int64_t> flatShape{type.getDimSize(0), type.getDimSize(2)};
    flatShape.append(type.getShape().begin() + 3, type.getShape().end());
    Value flat = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get(flatShape, type.getElementType()), out, pixels);
    SmallVector<ReassociationIndices> group{{0}, {1, 2}};
    for (int64_t i = 0; i < ns; ++i)
      group.push_back({3 + i});
    return tensor::ExpandShapeOp::create(b, loc, type, flat, group);
  }
};

} // namespace

void populateConvTransposePatterns(const OnnxTypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<ConvTransposeLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
