//===- ModelSignature.cpp - What a compiled model exposes -----------------===//

#include "backends/target/ModelSignature.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace kiln {

int32_t getOnnxDataType(Type type) {
  if (type.isF32())
    return 1;
  if (type.isF64())
    return 11;
  if (type.isF16())
    return 10;
  if (type.isBF16())
    return 16;
  // float8 and float4 travel as bit patterns, one element per byte.
  if (isa<Float8E4M3FNType>(type))
    return 17;
  if (isa<Float8E4M3FNUZType>(type))
    return 18;
  if (isa<Float8E5M2Type>(type))
    return 19;
  if (isa<Float8E5M2FNUZType>(type))
    return 20;
  if (isa<Float4E2M1FNType>(type))
    return 23;
  if (isa<Float8E8M0FNUType>(type))
    return 24;
  if (auto intType = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = intType.isUnsigned();
    switch (intType.getWidth()) {
    case 1:
      return 9;
    case 2: // int2/uint2 and int4/uint4: unpacked, one element per byte (see model_abi.h)
      return isUnsigned ? 25 : 26;
    case 4:
      return isUnsigned ? 21 : 22;
    case 8:
      return isUnsigned ? 2 : 3;
    case 16:
      return isUnsigned ? 4 : 5;
    case 32:
      return isUnsigned ? 12 : 6;
    case 64:
      return isUnsigned ? 13 : 7;
    default:
      return 0;
    }
  }
  return 0;
}

static FailureOr<TensorSignature> readTensor(func::FuncOp func, Type type, DictionaryAttr attrs,
                                             StringRef role, unsigned index);

/// Reads one argument or result of the entry function: one entry, or the two of a
/// sequence.
static LogicalResult readValue(func::FuncOp func, Type type, DictionaryAttr attrs,
                               StringRef role, unsigned index,
                               SmallVectorImpl<TensorSignature> &out) {
  auto seq = dyn_cast<onnxir::SeqType>(type);
  if (!seq) {
    FailureOr<TensorSignature> t = readTensor(func, type, attrs, role, index);
    if (failed(t))
      return failure();
    out.push_back(std::move(*t));
    return success();
  }
  std::string name = (role + Twine(index)).str();
  if (auto n = attrs ? attrs.getAs<StringAttr>("onnx.name") : StringAttr())
    name = n.str();
  auto element = dyn_cast<RankedTensorType>(seq.getElementType());
  if (!element)
    return func.emitError() << role << " '" << name << "' has type " << type
                            << ", which a compiled model cannot take or return: the rank of "
                               "the sequence's elements is unknown";
  TensorSignature data;
  data.name = name;
  data.dtype = getOnnxDataType(element.getElementType());
  if (!data.dtype)
    return func.emitError() << role << " '" << name << "' has element type "
                            << element.getElementType()
                            << ", which a compiled model cannot take or return yet";
  data.dims = {-1};
  data.dimParams = {""};
  data.kind = 1;
  TensorSignature shapes;
  shapes.name = name;
  shapes.dtype = 7;
  shapes.dims = {-1, element.getRank()};
  shapes.dimParams = {"", ""};
  shapes.kind = 2;
  out.push_back(std::move(data));
  out.push_back(std::move(shapes));
  return success();
}

/// Reads one tensor argument or result of the entry function.
static FailureOr<TensorSignature> readTensor(func::FuncOp func, Type type, DictionaryAttr attrs,
                                             StringRef role, unsigned index) {
  TensorSignature sig;
  if (auto name = attrs ? attrs.getAs<StringAttr>("onnx.name") : StringAttr())
    sig.name = name.str();
  else
    sig.name = (role + Twine(index)).str();
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (isa<onnxir::OptType>(type))
    return func.emitError() << role << " '" << sig.name << "' has type " << type
                            << ", which a compiled model cannot take or return yet (an "
                               "optional tensor input is supported where only "
                               "OptionalHasElement, OptionalGetElement and Identity use it)";
  if (!tensor)
    return func.emitError() << role << " '" << sig.name << "' has type " << type
                            << ", which a compiled model cannot take or return yet "
                               "(only ranked tensors)";
  sig.dtype = getOnnxDataType(tensor.getElementType());
  if (!sig.dtype)
    return func.emitError() << role << " '" << sig.name << "' has element type "
                            << tensor.getElementType()
                            << ", which a compiled model cannot take or return yet";
  auto params = attrs ? attrs.getAs<ArrayAttr>("onnx.dim_params") : ArrayAttr();
  for (int64_t d = 0; d < tensor.getRank(); ++d) {
    sig.dims.push_back(tensor.isDynamicDim(d) ? -1 : tensor.getDimSize(d));
    std::string param;
    if (params && d < static_cast<int64_t>(params.size()))
      if (auto str = dyn_cast<StringAttr>(params[d]))
        param = str.str();
    sig.dimParams.push_back(param);
  }
  return sig;
}

FailureOr<ModelSignature> readModelSignature(ModuleOp module) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return module.emitError() << "the module has no @main function to compile";
  ModelSignature sig;
  if (auto name = main->getAttrOfType<StringAttr>("onnx.graph_name"))
    sig.graphName = name.str();
  FunctionType type = main.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    // An optional input's presence flag follows it (kiln-lower-optionals).
    if (main.getArgAttr(i, "kiln.optional")) {
      FailureOr<TensorSignature> t = readTensor(main, type.getInput(i), main.getArgAttrDict(i),
                                                "input", sig.inputs.size());
      if (failed(t))
        return failure();
      auto flag = i + 1 < type.getNumInputs() ? dyn_cast<RankedTensorType>(type.getInput(i + 1))
                                              : RankedTensorType();
      if (!flag || flag.getRank() != 0 || !flag.getElementType().isInteger(1) ||
          !main.getArgAttr(i + 1, "kiln.presence"))
        return main.emitError() << "optional input '" << t->name
                                << "' is not followed by its tensor<i1> presence argument";
      t->optional = true;
      ++i;
      sig.inputs.push_back(std::move(*t));
      continue;
    }
    if (failed(readValue(main, type.getInput(i), main.getArgAttrDict(i), "input", i,
                         sig.inputs)))
      return failure();
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i)
    if (failed(readValue(main, type.getResult(i), main.getResultAttrDict(i), "output", i,
                         sig.outputs)))
      return failure();
  return sig;
}

} // namespace kiln
