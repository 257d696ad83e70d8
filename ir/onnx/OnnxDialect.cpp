//===- OnnxDialect.cpp - The onnx dialect ---------------------------------===//

#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace kiln::onnxir;

#include "ir/onnx/OnnxDialect.cpp.inc"
#include "ir/onnx/OnnxInterfaces.cpp.inc"

void ONNXDialect::initialize() {
  registerTypes();
  registerONNXDialectOperations(this);
}
