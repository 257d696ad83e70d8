//===- OnnxLoweringPattern.cpp - The opening of every lowering ------------===//

#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"

using namespace mlir;

namespace kiln::conversion {

RankedTensorType getRankedInputType(ConversionPatternRewriter &rewriter, Operation *op, Value input,
                                    StringRef what) {
  auto type = dyn_cast<RankedTensorType>(input.getType());
  if (!type)
    (void)reject(rewriter, op, what + " is not a ranked tensor");
  return type;
}

} // namespace kiln::conversion
