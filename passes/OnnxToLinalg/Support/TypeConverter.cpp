//===- Common.cpp - Shared helpers for lowering onnx to linalg ------------===//

#include "passes/OnnxToLinalg/Common.h"
#include "passes/OnnxToLinalg/SmallFloat.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace kiln::conversion {

OnnxTypeConverter::OnnxTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](IntegerType type) -> Type {
    if (type.isUnsigned())
      return IntegerType::get(type.getContext(), type.getWidth());
    return type;
  });
  addConversion([this](RankedTensorType type) -> Type {
    Type elem = convertType(type.getElementType());
    return elem ? RankedTensorType::get(type.getShape(), elem) : Type();
  });
  addConversion([this](UnrankedTensorType type) -> Type {
    Type elem = convertType(type.getElementType());
    return elem ? UnrankedTensorType::get(elem) : Type();
  });
  // Values whose type changes only in signedness are reinterpreted in place.
  auto materialize = [](OpBuilder &b, Type type, ValueRange inputs, Location loc) -> Value {
    if (inputs.size() != 1)
      return {};
    return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(materialize);
  addTargetMaterialization(materialize);
}

bool isUnsignedInt(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  auto intType = dyn_cast<IntegerType>(type);
  return intType && intType.isUnsigned();
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dynamicSizes);
}

Value expandShape(OpBuilder &b, Location loc, RankedTensorType resultType, Value src,
                  ArrayRef<ReassociationIndices> groups, ArrayRef<OpFoldResult> outputShape) {
  bool splitsDynamic = llvm::any_of(groups, [&](const ReassociationIndices &group) {
    return llvm::count_if(group, [&](int64_t d) { return resultType.isDynamicDim(d); }) > 1;
  });
  if (!splitsDynamic)
    return tensor::ExpandShapeOp::create(b, loc, resultType, src, groups, outputShape);
  SmallVector<Value> sizes;
  for (OpFoldResult size : outputShape)
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({resultType.getRank()}, b.getIndexType()), sizes);
  return tensor::ReshapeOp::create(b, loc, resultType, src, shape);
}

SmallVector<Value> getDynamicSizes(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, value, i));
  return sizes;
}

SmallVector<OpFoldResult> getMixedSizes(OpBuilder &b, Location loc, Value value) {
  return tensor::getMixedSizes(b, loc, value);
}

void yieldMulAdd(OpBuilder &b, Location loc, ValueRange args) {
  Value sum;
  if (isa<FloatType>(args[2].getType()))
    sum = arith::AddFOp::create(b, loc, args[2], arith::MulFOp::create(b, loc, args[0], args[1]));
  else
    sum = arith::AddIOp::create(b, loc, args[2], arith::MulIOp::create(b, loc, args[0], args[1]));
  linalg::YieldOp::create(b, loc, sum);
}

Value createScalarConstant(OpBuilder &b, Location loc, Type elementType, double value) {
  if (auto floatType = dyn_cast<FloatType>(elementType))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(elementType, static_cast<int64_t>(value)));
}

Value castScalar(OpBuilder &b, Location loc, Value value, Type dstType, bool srcUnsigned,
                 bool dstUnsigned, bool saturate, StringRef roundMode) {
  Type srcType = value.getType();
  if (srcType == dstType)
    return value;
  // float8 and float4 have no LLVM arithmetic: go through f32 in software.
  if (isSmallFloat(srcType))
    return castScalar(b, loc, extSmallFloatToF32(b, loc, value), dstType, false, dstUnsigned,
                      saturate, roundMode);
  if (isSmallFloat(dstType))
    return truncF32ToSmallFloat(b, loc, castScalar(b, loc, value, b.getF32Type(), srcUnsigned, false),
                                cast<FloatType>(dstType), saturate, roundMode);
  auto srcFloat = dyn_cast<FloatType>(srcType);
  auto dstFloat = dyn_cast<FloatType>(dstType);
  auto srcInt = dyn_cast<IntegerType>(srcType);
  auto dstInt = dyn_cast<IntegerType>(dstType);
  if (srcFloat && dstFloat) {
    if (srcFloat.getWidth() < dstFloat.getWidth())
      return arith::ExtFOp::create(b, loc, dstType, value);
    if (srcFloat.getWidth() > dstFloat.getWidth())
      return arith::TruncFOp::create(b, loc, dstType, value);
    // Same width, different format (f16 <-> bf16): go through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc, dstType, wide);
  }
  if (srcInt && dstInt) {
    if (dstInt.getWidth() == 1) { // to bool: != 0
      Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(srcType, 0));
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value, zero);
    }
    if (srcInt.getWidth() < dstInt.getWidth())
      return srcUnsigned || srcInt.getWidth() == 1
                 ? Value(arith::ExtUIOp::create(b, loc, dstType, value))
                 : Value(arith::ExtSIOp::create(b, loc, dstType, value));
    if (srcInt.getWidth() > dstInt.getWidth())
      return arith::TruncIOp::create(b, loc, dstType, value);
    return value;
  }
  if (srcInt && dstFloat) {
    if (srcUnsigned || srcInt.getWidth() == 1)
      return arith::UIToFPOp::create(b, loc, dstType, value);
    return arith::SIToFPOp::create(b, loc, dstType, value);
  }
  if (srcFloat && dstInt) {
    if (dstInt.getWidth() == 1) {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(srcType, 0.0));
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value, zero);
    }
    if (dstUnsigned)
      return arith::FPToUIOp::create(b, loc, dstType, value);
    return arith::FPToSIOp::create(b, loc, dstType, value);
  }
  return {};
}

RankedTensorType getRankedResultType(ConversionPatternRewriter &rewriter,
                                     const TypeConverter &converter, Operation *op,
                                     unsigned index) {
  auto type = dyn_cast_or_null<RankedTensorType>(
      converter.convertType(op->getResult(index).getType()));
  if (!type)
    (void)reject(rewriter, op, "the result type is not a ranked tensor; shape "
                               "inference could not determine its rank");
  return type;
}

// The collector of the pass run on this thread (passes on other threads have their own).
static thread_local RejectionCollector *activeCollector = nullptr;

RejectionCollector::RejectionCollector() : previous(activeCollector) { activeCollector = this; }
RejectionCollector::~RejectionCollector() { activeCollector = previous; }

StringRef RejectionCollector::reasonFor(Location loc) const {
  auto it = reasons.find(loc.getAsOpaquePointer());
  return it == reasons.end() ? StringRef() : StringRef(it->second);
}

LogicalResult reject(ConversionPatternRewriter &rewriter, Operation *op, const Twine &reason) {
  if (activeCollector)
    activeCollector->record(op->getLoc(), reason.str());
  return rewriter.notifyMatchFailure(op, reason);
}

} // namespace kiln::conversion
