//===- Tensor.cpp - Lower constant and shape onnx ops to tensor/linalg ----===//
//
// Constants, shape queries and generators (Constant, ConstantOfShape, Shape, Size, Range,
// Trilu, EyeLike). The data-movement ops of the Tensor category live in Reshape.cpp,
// Slice.cpp and Gather.cpp.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/TensorUtils.h"

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
struct ConstantOfShapeLowering : OpConversionPattern<ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConstantOfShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
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

/// Shape: the (start..end) dims of the input as a 1-D i64 tensor.
struct ShapeLowering : OpConversionPattern<ShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!inputType)
      return reject(rewriter, op, "the input is not a ranked tensor");
    int64_t rank = inputType.getRank();
    // ONNX clamps start and end into [0, rank] after adding rank to negative values.
    auto clampAxis = [&](int64_t axis) {
      return std::clamp<int64_t>(axis < 0 ? axis + rank : axis, 0, rank);
    };
    int64_t start = clampAxis(static_cast<int64_t>(op.getStart()));
    int64_t end = op.getEndAttr() ? clampAxis(op.getEndAttr().getInt()) : rank;
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                                getDimValue(rewriter, loc, adaptor.getData(), d)));
    auto type = RankedTensorType::get({static_cast<int64_t>(dims.size())}, rewriter.getI64Type());
    if (dims.empty()) {
      rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, type.getShape(), type.getElementType());
      return success();
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, dims);
    return success();
  }
};

/// Size: the product of the input's dims as a 0-d i64 tensor.
struct SizeLowering : OpConversionPattern<SizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!inputType)
      return reject(rewriter, op, "the input is not a ranked tensor");
    Location loc = op.getLoc();
    Value size = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d = 0; d < inputType.getRank(); ++d)
      size = arith::MulIOp::create(rewriter, loc, size,
                                   getDimValue(rewriter, loc, adaptor.getData(), d));
    Value i64 = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), size);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(
        op, RankedTensorType::get({}, rewriter.getI64Type()), ValueRange{i64});
    return success();
  }
};

/// Range: start + i * delta for i < max(ceil((limit - start) / delta), 0).
struct RangeLowering : OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    if (resultType.getRank() != 1)
      return reject(rewriter, op, "the result is not 1-D");
    Location loc = op.getLoc();
    Type elementType = resultType.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    Value start = extractScalar(rewriter, loc, adaptor.getStart());
    Value limit = extractScalar(rewriter, loc, adaptor.getLimit());
    Value delta = extractScalar(rewriter, loc, adaptor.getDelta());
    Value count;
    if (isFloat) {
      Value span = arith::SubFOp::create(rewriter, loc, limit, start);
      Value steps =
          math::CeilOp::create(rewriter, loc, arith::DivFOp::create(rewriter, loc, span, delta));
      count = arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), steps);
      count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), count);
    } else {
      Value span = arith::SubIOp::create(rewriter, loc, limit, start);
      count = arith::CeilDivSIOp::create(rewriter, loc, span, delta);
      count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), count);
    }
    count = arith::MaxSIOp::create(rewriter, loc, count,
                                   arith::ConstantIndexOp::create(rewriter, loc, 0));
    SmallVector<Value> dynamic;
    if (resultType.isDynamicDim(0))
      dynamic.push_back(count);
    Value init = createEmpty(rewriter, loc, resultType, dynamic);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
        ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(1)},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location nloc, ValueRange) {
          Value i = linalg::IndexOp::create(b, nloc, 0);
          Value iv = arith::IndexCastOp::create(b, nloc, b.getI64Type(), i);
          iv = castScalar(b, nloc, iv, elementType, false, false);
          Value v = isFloat
                        ? Value(arith::AddFOp::create(b, nloc, start,
                                                      arith::MulFOp::create(b, nloc, iv, delta)))
                        : Value(arith::AddIOp::create(b, nloc, start,
                                                      arith::MulIOp::create(b, nloc, iv, delta)));
          linalg::YieldOp::create(b, nloc, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Builds a generic over `resultType` that keeps `input[i]` (or `one` when `input` is
/// null) where `keep(row, col)` holds and zero elsewhere; rows and cols are the last two dims.
Value buildMatrixMask(OpBuilder &b, Location loc, RankedTensorType resultType, Value input,
                      ArrayRef<Value> sizes,
                      function_ref<Value(OpBuilder &, Location, Value, Value)> keep) {
  int64_t rank = resultType.getRank();
  Type elementType = resultType.getElementType();
  Value init = createEmpty(b, loc, resultType, dynamicSizesOf(b, loc, resultType, sizes));
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (input) {
    inputs.push_back(input);
    maps.push_back(b.getMultiDimIdentityMap(rank));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value row = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                               linalg::IndexOp::create(nb, nloc, rank - 2));
        Value col = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                               linalg::IndexOp::create(nb, nloc, rank - 1));
        Value value = input ? args[0] : createScalarConstant(nb, nloc, elementType, 1);
        Value zero = createScalarConstant(nb, nloc, elementType, 0);
        Value result = arith::SelectOp::create(nb, nloc, keep(nb, nloc, row, col), value, zero);
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

/// Trilu: keeps j - i >= k (upper) or j - i <= k (lower) of the last two dims.
struct TriluLowering : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    if (resultType.getRank() < 2)
      return reject(rewriter, op, "the input has rank < 2");
    Location loc = op.getLoc();
    Value k = isa<NoneType>(adaptor.getK().getType())
                  ? Value(arith::ConstantIntOp::create(rewriter, loc, 0, 64))
                  : extractScalar(rewriter, loc, adaptor.getK());
    bool upper = op.getUpper() != 0;
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < resultType.getRank(); ++d)
      sizes.push_back(getDimValue(rewriter, loc, adaptor.getInput(), d));
    Value result = buildMatrixMask(
        rewriter, loc, resultType, adaptor.getInput(), sizes,
        [&](OpBuilder &b, Location nloc, Value row, Value col) -> Value {
          Value diff = arith::SubIOp::create(b, nloc, col, row);
          return arith::CmpIOp::create(
              b, nloc, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, diff, k);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// EyeLike: ones on the k-th diagonal of a 2-D tensor shaped like the input.
struct EyeLikeLowering : OpConversionPattern<EyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(EyeLikeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    if (resultType.getRank() != 2)
      return reject(rewriter, op, "the input is not 2-D");
    Location loc = op.getLoc();
    Value k = arith::ConstantIntOp::create(rewriter, loc, op.getK(), 64);
    SmallVector<Value> sizes{getDimValue(rewriter, loc, adaptor.getInput(), 0),
                             getDimValue(rewriter, loc, adaptor.getInput(), 1)};
    Value result =
        buildMatrixMask(rewriter, loc, resultType, /*input=*/nullptr, sizes,
                        [&](OpBuilder &b, Location nloc, Value row, Value col) -> Value {
                          Value diff = arith::SubIOp::create(b, nloc, col, row);
                          return arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::eq, diff, k);
                        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateTensorPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (StringRef name : {"onnx.Constant", "onnx.ConstantV9", "onnx.ConstantV11"})
    patterns.add<ConstantLowering>(converter, ctx, name);
  patterns.add<ConstantOfShapeLowering, ShapeLowering, SizeLowering, RangeLowering, TriluLowering,
               EyeLikeLowering>(converter, ctx);
  populateReshapePatterns(converter, patterns);
  populateSlicePatterns(converter, patterns);
  populateGatherPatterns(converter, patterns);
}

} // namespace kiln::conversion
