//===- ShapeInferenceLogical.cpp - Shape inference of onnx logical ops ----===//
//
// Not and BitwiseNot keep their operand type; the binary boolean and bitwise ops
// broadcast; the comparisons broadcast to i1.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

Type i1(Operation *op) { return IntegerType::get(op->getContext(), 1); }

} // namespace

LogicalResult NotOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getOperation()->getOperand(0), Type(), resultTypes);
}

LogicalResult BitwiseNotOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getOperation()->getOperand(0), Type(), resultTypes);
}

// Broadcasting ops whose result has the operands' element type.
#define KILN_BROADCAST(OP)                                                                         \
  LogicalResult OP##Op::inferShapes(SmallVectorImpl<Type> &resultTypes) {                          \
    return inferBroadcast(*this, getOperation()->getOperands(), 0, Type(), resultTypes);           \
  }
KILN_BROADCAST(And)
KILN_BROADCAST(Or)
KILN_BROADCAST(Xor)
KILN_BROADCAST(BitShift)
KILN_BROADCAST(BitwiseAnd)
KILN_BROADCAST(BitwiseOr)
KILN_BROADCAST(BitwiseXor)
#undef KILN_BROADCAST

// Comparisons broadcast and produce i1.
#define KILN_COMPARE(OP)                                                                           \
  LogicalResult OP##Op::inferShapes(SmallVectorImpl<Type> &resultTypes) {                          \
    return inferBroadcast(*this, getOperation()->getOperands(), 0, i1(*this), resultTypes);        \
  }
KILN_COMPARE(Equal)
KILN_COMPARE(Less)
KILN_COMPARE(Greater)
KILN_COMPARE(LessOrEqual)
KILN_COMPARE(GreaterOrEqual)
#undef KILN_COMPARE

} // namespace kiln::onnxir
