//===- ShapeInferenceMath.cpp - Shape inference of onnx math ops ----------===//
//
// Elementwise math (unary, activations, broadcasting arithmetic), MatMul, Gemm, Softmax,
// CumSum and Expand.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {

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
KILN_UNARY(Swish)
// Clip's min/max are scalars: the result follows the input alone.
KILN_UNARY(Clip)
// Softmax/LogSoftmax/Hardmax normalize along an axis without changing the shape; the
// verifier checks the axis.
KILN_UNARY(Softmax)
KILN_UNARY(LogSoftmax)
KILN_UNARY(Hardmax)
#undef KILN_UNARY

// SwiGLU's A and B have one shape (no broadcasting): the result is their common shape.
LogicalResult SwiGLUOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getA().getType());
  auto a = getRankedShape(getA().getType()), b = getRankedShape(getB().getType());
  if (!a || !b) {
    resultTypes.push_back(makeTensorType(a ? a : b, elem));
    return success();
  }
  if (a->size() != b->size() || !llvm::all_of(llvm::zip(*a, *b), [](auto p) {
        return dimsCompatible(std::get<0>(p), std::get<1>(p));
      }))
    return emitOpError() << "A and B must have the same shape (SwiGLU does not broadcast), got "
                         << getA().getType() << " and " << getB().getType();
  SmallVector<int64_t> dims;
  for (auto [x, y] : llvm::zip(*a, *b))
    dims.push_back(ShapedType::isDynamic(x) ? y : x);
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

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
#undef KILN_BROADCAST

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

/// A numpy matmul of `a` and `b` with result element type `elem`: MatMulInteger's i32,
/// QLinearMatMul's output type.
static LogicalResult inferMatMulShape(Operation *op, Value a, Value b, Type elem,
                                      SmallVectorImpl<Type> &resultTypes) {
  auto lhs = getRankedShape(a.getType());
  auto rhs = getRankedShape(b.getType());
  if (!lhs || !rhs) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  auto shape = computeMatMulShape(*lhs, *rhs, [&] { return op->emitOpError(); });
  if (failed(shape))
    return failure();
  resultTypes.push_back(RankedTensorType::get(*shape, elem));
  return success();
}

LogicalResult MatMulIntegerOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferMatMulShape(*this, getA(), getB(), IntegerType::get(getContext(), 32), resultTypes);
}

LogicalResult QLinearMatMulOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferMatMulShape(*this, getA(), getB(), getTensorElementType(getYZeroPoint().getType()),
                          resultTypes);
}

LogicalResult GemmOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto shape = computeGemmShape(getA().getType(), getB().getType(), getTransA() != 0,
                                getTransB() != 0, [&] { return emitOpError(); });
  if (failed(shape))
    return failure();
  resultTypes.push_back(RankedTensorType::get(*shape, getTensorElementType(getA().getType())));
  return success();
}

LogicalResult CumSumOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferLikeOperand(getX(), getX(), resultTypes);
}

LogicalResult ExpandOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getInput().getType());
  auto input = getRankedShape(getInput().getType());
  auto shape = getShapeTensorValues(getShape());
  if (!shape || !input) {
    // Without the input's rank the result's is at least the shape's; leave it open.
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  // An unknown shape entry may be 1 at run time, so against a static N it gives N
  // and against 1 or ? it stays ?: exactly broadcastShapes' rule for kDynamic.
  SmallVector<int64_t> dims;
  if (failed(broadcastShapes(*input, *shape, dims, [&] { return emitOpError(); })))
    return failure();
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

} // namespace kiln::onnxir
