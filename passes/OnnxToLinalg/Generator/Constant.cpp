//===- Constant.cpp - Lower onnx.Constant and onnx.ConstantOfShape --------===//
//
// Every form of Constant becomes arith.constant; ConstantOfShape a linalg.fill.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Gives an elements attribute the converted (signless) element type. The data is
/// unchanged: only the signedness, which arith does not model, is dropped.
ElementsAttr toSignless(ElementsAttr attr, const TypeConverter &converter) {
  auto type = dyn_cast_or_null<ShapedType>(converter.convertType(attr.getShapedType()));
  if (!type || type == attr.getShapedType())
    return attr;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.bitcast(type.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return {};
}

/// Lowers every form of onnx.Constant (and its versioned forms) to arith.constant.
struct ConstantLowering : ConversionPattern {
  ConstantLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value>,
                                ConversionPatternRewriter &rewriter) const override {
    Builder b(op->getContext());
    ElementsAttr attr;
    if (auto value = op->getAttrOfType<ElementsAttr>("value")) {
      attr = toSignless(value, *getTypeConverter());
      if (!attr)
        return reject(rewriter, op, "unsupported kind of constant attribute");
    } else if (auto f = op->getAttrOfType<FloatAttr>("value_float")) {
      attr = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()), f);
    } else if (auto i = op->getAttrOfType<IntegerAttr>("value_int")) {
      attr = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                    b.getI64IntegerAttr(i.getInt()));
    } else if (auto fs = op->getAttrOfType<DenseF32ArrayAttr>("value_floats")) {
      attr = DenseElementsAttr::get(RankedTensorType::get({fs.size()}, b.getF32Type()),
                                    fs.asArrayRef());
    } else if (auto is = op->getAttrOfType<DenseI64ArrayAttr>("value_ints")) {
      attr = DenseElementsAttr::get(RankedTensorType::get({is.size()}, b.getI64Type()),
                                    is.asArrayRef());
    } else if (op->hasAttr("sparse_value")) {
      return reject(rewriter, op, "sparse constants are not supported");
    } else {
      return reject(rewriter, op, "string constants are not supported");
    }
    if (isa<onnxir::StringType>(attr.getElementType()))
      return reject(rewriter, op, "string constants are not supported");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(attr));
    return success();
  }
};

/// ConstantOfShape: a linalg.fill of a tensor whose sizes are the input's values.
struct ConstantOfShapeLowering : OnnxLoweringPattern<ConstantOfShapeOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ConstantOfShapeOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type elementType = resultType.getElementType();
    TypedAttr fill;
    if (auto value = op.getValueAttr()) {
      auto dense = dyn_cast<DenseElementsAttr>(value);
      if (!dense || dense.getNumElements() != 1)
        return reject(rewriter, op, "the fill value is not a one-element dense tensor");
      Attribute scalar = *dense.getValues<Attribute>().begin();
      if (auto f = dyn_cast<FloatAttr>(scalar))
        fill = FloatAttr::get(elementType, f.getValue());
      else if (auto i = dyn_cast<IntegerAttr>(scalar))
        fill = IntegerAttr::get(elementType, i.getValue());
    } else {
      fill = rewriter.getZeroAttr(elementType); // ONNX default: float 0
    }
    if (!fill)
      return reject(rewriter, op, "unsupported fill value type");
    SmallVector<Value> sizes =
        getIndexValues(rewriter, loc, adaptor.getInput(), resultType.getRank());
    Value init =
        createEmpty(rewriter, loc, resultType, dynamicSizesOf(rewriter, loc, resultType, sizes));
    Value scalar = arith::ConstantOp::create(rewriter, loc, fill);
    rewriter.replaceOpWithNewOp<linalg::FillOp>(op, ValueRange{scalar}, ValueRange{init});
    return success();
  }
};

} // namespace

void populateConstantPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (StringRef name : {"onnx.Constant", "onnx.ConstantV9", "onnx.ConstantV11"})
    patterns.add<ConstantLowering>(converter, ctx, name);
  patterns.add<ConstantOfShapeLowering>(converter, ctx);
}

} // namespace kiln::conversion
