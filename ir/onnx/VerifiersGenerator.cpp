//===- VerifiersGenerator.cpp - Verifiers of onnx generator ops -----------===//

#include "ir/onnx/OnnxDialect.h"

using namespace mlir;

namespace kiln::onnxir {

LogicalResult ConstantOp::verify() {
  Attribute values[] = {getSparseValueAttr(), getValueAttr(),       getValueFloatAttr(),
                        getValueFloatsAttr(), getValueIntAttr(),    getValueIntsAttr(),
                        getValueStringAttr(), getValueStringsAttr()};
  int64_t count = llvm::count_if(values, [](Attribute a) { return !!a; });
  if (count != 1)
    return emitOpError() << "has " << count << " value attributes, exactly one is required";
  return success();
}

} // namespace kiln::onnxir
