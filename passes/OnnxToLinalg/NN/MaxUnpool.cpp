//===- MaxUnpool.cpp - Lower MaxUnpool ------------------------------------===//
//
// MaxUnpool scatters each element of X to the flat position its index in I gives (the
// Indices output of MaxPool: a row-major index into the whole unpooled tensor, whose
// sizes are (in - 1) * stride - pads + kernel per spatial dim). An scf.for nest over X
// does tensor.extract + tensor.insert into a zero-filled flat tensor, so a repeated index
// keeps the last element, as the reference does; I is checked against the size first.
// The flat tensor is then expanded to the unpooled shape and, when output_shape asks for
// larger spatial sizes, zero-padded at the end (the reference places the unpooled tensor
// at the origin of the output, and the ONNX node tests expect that; ONNX Runtime instead
// reads the indices as positions in the output_shape tensor).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct MaxUnpoolLowering : OnnxLoweringPattern<MaxUnpoolOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(MaxUnpoolOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX(), indices = adaptor.getI();
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    RankedTensorType iType = getRankedInputType(rewriter, op, indices, "I");
    if (!xType || !iType)
      return failure();
    int64_t rank = xType.getRank(), spatial = rank - 2;
    ArrayRef<int64_t> kernel = op.getKernelShape();
    if (spatial < 1 || iType.getRank() != rank || resultType.getRank() != rank ||
        static_cast<int64_t>(kernel.size()) != spatial)
      return reject(rewriter, op,
                    "X, I and the output must be N x C x spatial... with one "
                    "kernel size per spatial dim");
    SmallVector<int64_t> strides(spatial, 1), pads(2 * spatial, 0);
    if (auto attr = op.getStrides())
      strides.assign(attr->begin(), attr->end());
    if (auto attr = op.getPads())
      pads.assign(attr->begin(), attr->end());
    if (static_cast<int64_t>(strides.size()) != spatial ||
        static_cast<int64_t>(pads.size()) != 2 * spatial)
      return reject(rewriter, op,
                    "strides and pads must have one entry per spatial dim (two "
                    "for pads)");
    Location loc = op.getLoc();
    for (int64_t d = 0; d < rank; ++d)
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, indices, d),
                      tensor::getMixedSize(rewriter, loc, x, d),
                      "I has size {} in dim " + Twine(d) + " where X has {}");

    // The unpooled sizes and their product, the range of the flat indices.
    auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    SmallVector<Value> unpooled{getDimValue(rewriter, loc, x, 0), getDimValue(rewriter, loc, x, 1)};
    for (int64_t i = 0; i < spatial; ++i) {
      Value in = getDimValue(rewriter, loc, x, i + 2);
      Value size = rewriter.createOrFold<arith::AddIOp>(
          loc,
          rewriter.createOrFold<arith::MulIOp>(
              loc, rewriter.createOrFold<arith::SubIOp>(loc, in, cst(1)), cst(strides[i])),
          cst(kernel[i] - pads[i] - pads[spatial + i]));
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(size),
                 rewriter.getIndexAttr(0),
                 "the unpooled size of spatial dim " + Twine(i) + " is {}, below {}");
      unpooled.push_back(size);
    }
    Value total = cst(1);
    SmallVector<int64_t> unpooledShape;
    for (Value size : unpooled) {
      total = rewriter.createOrFold<arith::MulIOp>(loc, total, size);
      unpooledShape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
    }
    if (failed(checkIndices(rewriter, op, indices, {total}, {0})))
      return failure();

    Type elemType = resultType.getElementType();
    Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(elemType));
    auto flatType = RankedTensorType::get({mulDims(unpooledShape)}, elemType);
    Value flat =
        fill(rewriter, loc,
             createEmpty(rewriter, loc, flatType, dynamicSizesOf(rewriter, loc, flatType, {total})),
             zero);
    SmallVector<Value> xSizes;
    for (int64_t d = 0; d < rank; ++d)
      xSizes.push_back(getDimValue(rewriter, loc, x, d));
    flat = loopNest(
        rewriter, loc, xSizes, ValueRange{flat},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iters) {
          Value v = tensor::ExtractOp::create(b, l, x, ivs);
          Value at = normalizeIndex(b, l, tensor::ExtractOp::create(b, l, indices, ivs), total);
          return SmallVector<Value>{tensor::InsertOp::create(b, l, v, iters[0], ValueRange{at})};
        })[0];
    ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    Value result = expandShape(rewriter, loc, RankedTensorType::get(unpooledShape, elemType), flat,
                               {all}, getAsOpFoldResult(unpooled));

    // output_shape: N and C as X, spatial sizes at least the unpooled ones.
    if (!isa<NoneType>(adaptor.getOutputShape().getType())) {
      RankedTensorType shapeType =
          getRankedInputType(rewriter, op, adaptor.getOutputShape(), "output_shape");
      if (!shapeType)
        return failure();
      if (shapeType.getRank() != 1 ||
          (!shapeType.isDynamicDim(0) && shapeType.getDimSize(0) != rank))
        return reject(rewriter, op, "output_shape must have one entry per dim of X");
      checkSizesEqual(rewriter, loc, op,
                      tensor::getMixedSize(rewriter, loc, adaptor.getOutputShape(), 0),
                      rewriter.getIndexAttr(rank), "output_shape has {} entries, not {}");
      SmallVector<Value> wanted = getIndexValues(rewriter, loc, adaptor.getOutputShape(), rank);
      SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0)), high;
      for (int64_t d = 0; d < rank; ++d) {
        Value extra = rewriter.createOrFold<arith::SubIOp>(loc, wanted[d], unpooled[d]);
        if (d < 2)
          checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(wanted[d]),
                          getAsOpFoldResult(unpooled[d]),
                          "output_shape has {} in dim " + Twine(d) + " where X has {}");
        else
          checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(extra),
                     rewriter.getIndexAttr(0),
                     "output_shape is {} smaller than the unpooled size in dim " + Twine(d) +
                         " (must be >= {})");
        high.push_back(d < 2 ? rewriter.getIndexAttr(0) : getAsOpFoldResult(extra));
      }
      result = tensor::PadOp::create(rewriter, loc, Type(), result, low, high, zero,
                                     /*nofold=*/false);
    }
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateMaxUnpoolPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MaxUnpoolLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
