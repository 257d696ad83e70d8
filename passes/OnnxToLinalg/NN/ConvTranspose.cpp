//===- ConvTranspose.cpp - Lower onnx.ConvTranspose to one linalg.generic -===//
//
// ConvTranspose reads the input with tensor.extract at the position a kernel tap maps
// back to, so it reads no memory at a position taken from data.
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
};

} // namespace

void populateConvTransposePatterns(const OnnxTypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<ConvTransposeLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
