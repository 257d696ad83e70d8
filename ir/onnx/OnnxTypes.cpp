//===- OnnxTypes.cpp - Types of the onnx dialect --------------------------===//

#include "ir/onnx/OnnxDialect.h"

#include "llvm/ADT/TypeSwitch.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace kiln::onnxir;

#define GET_TYPEDEF_CLASSES
#include "ir/onnx/OnnxTypes.cpp.inc"

void ONNXDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "ir/onnx/OnnxTypes.cpp.inc"
      >();
}
