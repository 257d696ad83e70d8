//===- VerifiersIndexing.cpp - Verifiers of onnx gathers and scatters -----===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {

LogicalResult GatherOp::verify() {
  auto shape = getRankedShape(getData().getType());
  if (shape && shape->empty())
    return emitOpError() << "data must have rank >= 1";
  return verifyAxisOf(*this, getData(), static_cast<int64_t>(getAxis()));
}

} // namespace kiln::onnxir
