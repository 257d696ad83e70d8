//===- ElementwisePattern.cpp - One pattern for every elementwise op ------===//

#include "passes/OnnxToLinalg/Support/ElementwisePattern.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TypeConverter.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"

using namespace mlir;

namespace kiln::conversion {

LogicalResult
ElementwiseLowering::matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                           RankedTensorType resultType,
                                           ConversionPatternRewriter &rewriter) const {
  SmallVector<Value> inputs;
  for (Value operand : operands) {
    if (isa<NoneType>(operand.getType()))
      continue;
    if (!isa<RankedTensorType>(operand.getType()))
      return reject(rewriter, op, "an input is not a ranked tensor");
    if (cast<RankedTensorType>(operand.getType()).getRank() > resultType.getRank())
      return reject(rewriter, op, "an input has a higher rank than the result");
    inputs.push_back(operand);
  }
  for (unsigned i = 1; i < op->getNumResults(); ++i)
    if (!op->getResult(i).use_empty())
      return reject(rewriter, op, "a secondary result is used");
  // An integer divisor of zero traps (SIGFPE): check it before the kernel.
  if (isa<onnxir::DivOp, onnxir::ModOp>(op) && failed(checkDivisor(rewriter, op, inputs)))
    return failure();
  ScalarContext sc{op, isUnsignedInt(op->getOperand(0).getType()),
                   resultType.getElementType()};
  Value result = buildElementwise(
      rewriter, op->getLoc(), resultType, inputs,
      [&](OpBuilder &b, Location loc, ValueRange args) { return fn(b, loc, args, sc); }, op);
  // Secondary results are unused (checked above): they are dropped.
  SmallVector<Value> replacements(op->getNumResults(), Value());
  replacements[0] = result;
  rewriter.replaceOp(op, replacements);
  return success();
}

} // namespace kiln::conversion
