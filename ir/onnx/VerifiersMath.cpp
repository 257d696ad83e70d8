//===- VerifiersMath.cpp - Verifiers of onnx math ops ---------------------===//
//
// Every check accepts dynamic dimensions: only dimensions known on both sides
// can disagree.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

LogicalResult verifyBroadcastable(Operation *op) {
  return broadcastTypes(op->getOperandTypes(), [&] { return op->emitOpError(); });
}

} // namespace

LogicalResult AddOp::verify() { return verifyBroadcastable(*this); }
LogicalResult SubOp::verify() { return verifyBroadcastable(*this); }
LogicalResult MulOp::verify() { return verifyBroadcastable(*this); }
LogicalResult DivOp::verify() { return verifyBroadcastable(*this); }
LogicalResult PowOp::verify() { return verifyBroadcastable(*this); }

LogicalResult MatMulOp::verify() {
  auto a = getRankedShape(getA().getType());
  auto b = getRankedShape(getB().getType());
  auto emit = [&] { return emitOpError(); };
  if (a && a->empty())
    return emit() << "A must have rank >= 1, got a 0-D tensor";
  if (b && b->empty())
    return emit() << "B must have rank >= 1, got a 0-D tensor";
  if (!a || !b)
    return success();
  return computeMatMulShape(*a, *b, emit);
}

LogicalResult GemmOp::verify() {
  auto emit = [&] { return emitOpError(); };
  auto shape = computeGemmShape(getA().getType(), getB().getType(), getTransA() != 0,
                                getTransB() != 0, emit);
  if (failed(shape))
    return failure();
  // C broadcasts (unidirectionally) to [M, N].
  auto c = getRankedShape(getC().getType());
  if (!c)
    return success();
  if (c->size() > 2)
    return emit() << "C must have rank <= 2, got " << c->size();
  for (size_t i = 0; i < c->size(); ++i) {
    int64_t want = (*shape)[2 - c->size() + i], got = (*c)[i];
    if (got != 1 && !dimsCompatible(got, want))
      return emit() << "C dimension " << got << " != 1 and != result dimension " << want;
  }
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxisOf(*this, getInput(), static_cast<int64_t>(getAxis()));
}

LogicalResult LogSoftmaxOp::verify() {
  return verifyAxisOf(*this, getInput(), static_cast<int64_t>(getAxis()));
}

LogicalResult ExpandOp::verify() {
  auto shapeType = getRankedShape(getShape().getType());
  if (shapeType && shapeType->size() != 1)
    return emitOpError() << "shape must be 1-D, got rank " << shapeType->size();
  auto input = getRankedShape(getInput().getType());
  auto shape = matchConstantI64s(getShape());
  if (!input || !shape)
    return success();
  SmallVector<int64_t> result;
  return broadcastShapes(*input, *shape, result, [&] { return emitOpError(); });
}

} // namespace kiln::onnxir
