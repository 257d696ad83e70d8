//===- Concat.cpp - Lower onnx.Concat to tensor.concat --------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Concat (all versions): tensor.concat, which bufferizes to copies into one buffer.
struct ConcatLowering : OnnxNamedLoweringPattern {
  using OnnxNamedLoweringPattern::OnnxNamedLoweringPattern;

  LogicalResult matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    int64_t rank = resultType.getRank();
    int64_t axis = 0;
    if (auto attr = op->getAttrOfType<IntegerAttr>("axis"))
      axis = attr.getInt();
    FailureOr<int64_t> normalized = normalizeAxis(axis, rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    axis = *normalized;
    SmallVector<Value> inputs;
    for (Value operand : operands) {
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!type || type.getRank() != rank)
        return reject(rewriter, op, "an input is not ranked like the result");
      // Inputs statically empty along the axis contribute nothing.
      if (type.getDimSize(axis) != 0)
        inputs.push_back(operand);
    }
    Location loc = op->getLoc();
    if (inputs.empty())
      return reject(rewriter, op, "every input is empty");
    // tensor.concat takes the other dims from its inputs, which must all agree.
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis)
        continue;
      OpFoldResult want = resultType.isDynamicDim(d)
                              ? tensor::getMixedSize(rewriter, loc, inputs.front(), d)
                              : OpFoldResult(rewriter.getIndexAttr(resultType.getDimSize(d)));
      for (auto [i, input] : llvm::enumerate(inputs))
        checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, input, d), want,
                        "input " + Twine(i) + " has size {} in dim " + Twine(d) +
                            " where the others have {} (expected equal sizes off the axis)");
    }
    Value result = inputs.size() == 1
                       ? inputs.front()
                       : Value(tensor::ConcatOp::create(rewriter, loc, axis, inputs));
    rewriter.replaceOp(op,
                       castWithCheck(rewriter, loc, op, result, resultType, "the concatenation"));
    return success();
  }
};

} // namespace

void populateConcatPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (StringRef name : {"onnx.Concat", "onnx.ConcatV1"})
    patterns.add<ConcatLowering>(converter, ctx, name);
}

} // namespace kiln::conversion
