//===- TypeImporter.cpp - ONNX TypeProto -> MLIR types --------------------===//

#include "frontend/TypeImporter.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using kiln::onnxpb::TensorProto;
using kiln::onnxpb::TypeProto;

namespace kiln::frontend {

FailureOr<Type> importElementType(MLIRContext &ctx, int32_t dataType, const ErrorSite &site) {
  Builder b(&ctx);
  auto uint = [&](unsigned width) { return IntegerType::get(&ctx, width, IntegerType::Unsigned); };
  switch (dataType) {
  case TensorProto::FLOAT:
    return b.getF32Type();
  case TensorProto::DOUBLE:
    return b.getF64Type();
  case TensorProto::FLOAT16:
    return b.getF16Type();
  case TensorProto::BFLOAT16:
    return b.getBF16Type();
  case TensorProto::INT8:
    return b.getIntegerType(8);
  case TensorProto::INT16:
    return b.getIntegerType(16);
  case TensorProto::INT32:
    return b.getIntegerType(32);
  case TensorProto::INT64:
    return b.getIntegerType(64);
  case TensorProto::UINT8:
    return uint(8);
  case TensorProto::UINT16:
    return uint(16);
  case TensorProto::UINT32:
    return uint(32);
  case TensorProto::UINT64:
    return uint(64);
  case TensorProto::BOOL:
    return b.getI1Type();
  case TensorProto::COMPLEX64:
    return ComplexType::get(b.getF32Type());
  case TensorProto::COMPLEX128:
    return ComplexType::get(b.getF64Type());
  case TensorProto::FLOAT8E4M3FN:
    return b.getType<Float8E4M3FNType>();
  case TensorProto::FLOAT8E4M3FNUZ:
    return b.getType<Float8E4M3FNUZType>();
  case TensorProto::FLOAT8E5M2:
    return b.getType<Float8E5M2Type>();
  case TensorProto::FLOAT8E5M2FNUZ:
    return b.getType<Float8E5M2FNUZType>();
  case TensorProto::FLOAT8E8M0:
    return b.getType<Float8E8M0FNUType>();
  case TensorProto::FLOAT4E2M1:
    return b.getType<Float4E2M1FNType>();
  case TensorProto::FLOAT6E2M3:
    return b.getType<Float6E2M3FNType>();
  case TensorProto::FLOAT6E3M2:
    return b.getType<Float6E3M2FNType>();
  case TensorProto::INT4:
    return b.getIntegerType(4);
  case TensorProto::UINT4:
    return uint(4);
  case TensorProto::INT2:
    return b.getIntegerType(2);
  case TensorProto::UINT2:
    return uint(2);
  case TensorProto::STRING:
    return Type(onnxir::StringType::get(&ctx));
  case TensorProto::UNDEFINED:
    return site.emit() << "element type is undefined", failure();
  default:
    return site.emit() << "unsupported element type code " << dataType, failure();
  }
}

bool isTypeComplete(const TypeProto &type) {
  switch (type.value_case()) {
  case TypeProto::kTensorType:
    return type.tensor_type().elem_type() != TensorProto::UNDEFINED;
  case TypeProto::kSequenceType:
    return type.sequence_type().has_elem_type() && isTypeComplete(type.sequence_type().elem_type());
  case TypeProto::kOptionalType:
    return type.optional_type().has_elem_type() && isTypeComplete(type.optional_type().elem_type());
  case TypeProto::kMapType:
    return type.map_type().key_type() != TensorProto::UNDEFINED &&
           type.map_type().has_value_type() && isTypeComplete(type.map_type().value_type());
  default:
    return false;
  }
}

static FailureOr<Type> importTensorType(MLIRContext &ctx, const TypeProto::Tensor &tensor,
                                        const ErrorSite &site, llvm::StringRef what) {
  FailureOr<Type> elem = importElementType(ctx, tensor.elem_type(), site);
  if (failed(elem)) {
    // The element type error is not attached to a value yet; say which.
    return site.emit() << "cannot import the type of " << what, failure();
  }
  if (!tensor.has_shape())
    return Type(UnrankedTensorType::get(*elem));
  SmallVector<int64_t> dims;
  for (const auto &dim : tensor.shape().dim()) {
    // Negative dim_values do occur in exported models; treat them like a
    // missing value (unknown) rather than rejecting the model.
    if (dim.has_dim_value() && dim.dim_value() >= 0)
      dims.push_back(dim.dim_value());
    else
      dims.push_back(ShapedType::kDynamic);
  }
  return Type(RankedTensorType::get(dims, *elem));
}

FailureOr<Type> importType(MLIRContext &ctx, const TypeProto &type, const ErrorSite &site,
                           llvm::StringRef what) {
  switch (type.value_case()) {
  case TypeProto::kTensorType:
    return importTensorType(ctx, type.tensor_type(), site, what);
  case TypeProto::kSequenceType: {
    if (!type.sequence_type().has_elem_type())
      return site.emit() << "sequence type of " << what << " has no element type", failure();
    FailureOr<Type> elem = importType(ctx, type.sequence_type().elem_type(), site, what);
    if (failed(elem))
      return failure();
    return Type(onnxir::SeqType::get(&ctx, *elem));
  }
  case TypeProto::kOptionalType: {
    if (!type.optional_type().has_elem_type())
      return site.emit() << "optional type of " << what << " has no element type", failure();
    FailureOr<Type> elem = importType(ctx, type.optional_type().elem_type(), site, what);
    if (failed(elem))
      return failure();
    return Type(onnxir::OptType::get(&ctx, *elem));
  }
  case TypeProto::kMapType: {
    FailureOr<Type> key = importElementType(ctx, type.map_type().key_type(), site);
    if (failed(key))
      return failure();
    if (!type.map_type().has_value_type())
      return site.emit() << "map type of " << what << " has no value type", failure();
    FailureOr<Type> value = importType(ctx, type.map_type().value_type(), site, what);
    if (failed(value))
      return failure();
    return Type(onnxir::MapType::get(&ctx, *key, *value));
  }
  case TypeProto::kSparseTensorType:
    return site.emit() << "unsupported: sparse tensor type of " << what, failure();
  default:
    return site.emit() << "missing or unknown type of " << what, failure();
  }
}

ArrayAttr importDimParams(MLIRContext &ctx, const TypeProto &type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    return nullptr;
  Builder b(&ctx);
  SmallVector<Attribute> params;
  bool anySymbolic = false;
  for (const auto &dim : type.tensor_type().shape().dim()) {
    // Paddle2ONNX writes '?' for every unknown dim: a placeholder, not a name that ties
    // two dims together (ORT treats them as independent too), so it is kept unnamed.
    bool named = dim.has_dim_param() && !dim.dim_param().empty() && dim.dim_param() != "?";
    anySymbolic |= named;
    params.push_back(b.getStringAttr(named ? dim.dim_param() : std::string()));
  }
  return anySymbolic ? b.getArrayAttr(params) : nullptr;
}

} // namespace kiln::frontend
