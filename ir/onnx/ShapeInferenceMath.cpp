//===- ShapeInferenceMath.cpp - Shape inference of onnx math ops ----------===//
//
// Elementwise (unary and broadcasting) ops, MatMul, Gemm, Softmax.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// The result has the shape of `input`, and its element type unless `elem` is
/// given. Nothing is inferred for a non-tensor input (Identity of a sequence).
LogicalResult inferUnary(Value input, Type elem, SmallVectorImpl<Type> &resultTypes) {
  auto type = dyn_cast<TensorType>(input.getType());
  if (!type)
    return success();
  resultTypes.push_back(type.clone(elem ? elem : type.getElementType()));
  return success();
}

/// The result shape is the numpy broadcast of all `operands`; its element type is
/// `elem`, or that of `operands[elemFrom]`.
LogicalResult inferBroadcast(Operation *op, ValueRange operands, unsigned elemFrom, Type elem,
                             SmallVectorImpl<Type> &resultTypes) {
  if (operands.empty())
    return success();
  if (!elem)
    elem = getTensorElementType(operands[elemFrom].getType());
  if (!elem)
    return success();
  auto shape = broadcastTypes(operands.getTypes(), [&] { return op->emitOpError(); });
  if (failed(shape))
    return failure();
  std::optional<ArrayRef<int64_t>> dims;
  if (*shape)
    dims = ArrayRef<int64_t>(**shape);
  resultTypes.push_back(makeTensorType(dims, elem));
  return success();
}

Type i1(Operation *op) { return IntegerType::get(op->getContext(), 1); }

} // namespace

// Unary elementwise ops: the result is the operand type.
#define KILN_UNARY(OP)                                                                             \
  LogicalResult OP##Op::inferShapes(SmallVectorImpl<Type> &resultTypes) {                          \
    return inferUnary(getOperation()->getOperand(0), Type(), resultTypes);                         \
  }
KILN_UNARY(Abs)
KILN_UNARY(Acos)
KILN_UNARY(Acosh)
KILN_UNARY(Asin)
KILN_UNARY(Asinh)
KILN_UNARY(Atan)
KILN_UNARY(Atanh)
KILN_UNARY(Cos)
KILN_UNARY(Cosh)
KILN_UNARY(Sin)
KILN_UNARY(Sinh)
KILN_UNARY(Tan)
KILN_UNARY(Tanh)
KILN_UNARY(Relu)
KILN_UNARY(Sigmoid)
KILN_UNARY(Erf)
KILN_UNARY(Exp)
KILN_UNARY(Log)
KILN_UNARY(Sqrt)
KILN_UNARY(Neg)
KILN_UNARY(Reciprocal)
KILN_UNARY(Floor)
KILN_UNARY(Ceil)
KILN_UNARY(Round)
KILN_UNARY(Sign)
KILN_UNARY(Not)
KILN_UNARY(BitwiseNot)
KILN_UNARY(Identity)
KILN_UNARY(LeakyRelu)
KILN_UNARY(Elu)
KILN_UNARY(Selu)
KILN_UNARY(Celu)
KILN_UNARY(HardSigmoid)
KILN_UNARY(HardSwish)
KILN_UNARY(Softplus)
KILN_UNARY(Softsign)
KILN_UNARY(Mish)
KILN_UNARY(Gelu)
KILN_UNARY(ThresholdedRelu)
KILN_UNARY(Shrink)
// Clip's min/max are scalars: the result follows the input alone.
KILN_UNARY(Clip)
// Softmax/LogSoftmax normalize along an axis without changing the shape; the
// verifier checks the axis.
KILN_UNARY(Softmax)
KILN_UNARY(LogSoftmax)
#undef KILN_UNARY

LogicalResult IsNaNOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getX(), i1(*this), resultTypes);
}

LogicalResult IsInfOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getX(), i1(*this), resultTypes);
}

// Broadcasting ops whose result has the operands' element type.
#define KILN_BROADCAST(OP)                                                                         \
  LogicalResult OP##Op::inferShapes(SmallVectorImpl<Type> &resultTypes) {                          \
    return inferBroadcast(*this, getOperation()->getOperands(), 0, Type(), resultTypes);           \
  }
KILN_BROADCAST(Add)
KILN_BROADCAST(Sub)
KILN_BROADCAST(Mul)
KILN_BROADCAST(Div)
KILN_BROADCAST(Pow)
KILN_BROADCAST(Mod)
KILN_BROADCAST(PRelu)
KILN_BROADCAST(Max)
KILN_BROADCAST(Min)
KILN_BROADCAST(Sum)
KILN_BROADCAST(Mean)
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

LogicalResult WhereOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  // The element type is X's (condition is i1).
  return inferBroadcast(*this, getOperation()->getOperands(), 1, Type(), resultTypes);
}

LogicalResult MatMulOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getA().getType());
  auto a = getRankedShape(getA().getType());
  auto b = getRankedShape(getB().getType());
  if (!a || !b) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  auto shape = computeMatMulShape(*a, *b, [&] { return emitOpError(); });
  if (failed(shape))
    return failure();
  resultTypes.push_back(RankedTensorType::get(*shape, elem));
  return success();
}

LogicalResult GemmOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto shape = computeGemmShape(getA().getType(), getB().getType(), getTransA() != 0,
                                getTransB() != 0, [&] { return emitOpError(); });
  if (failed(shape))
    return failure();
  resultTypes.push_back(RankedTensorType::get(*shape, getTensorElementType(getA().getType())));
  return success();
}

} // namespace kiln::onnxir
