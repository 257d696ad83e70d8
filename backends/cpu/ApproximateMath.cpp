//===- ApproximateMath.cpp - f32 transcendental functions as polynomials ---===//
//
// math.exp, math.erf, math.tanh, ... on f32 (scalars and vectors) become MLIR's
// polynomial approximations: a few FMAs instead of a libm call, so elementwise loops
// (Softmax, GELU, Sigmoid, ...) vectorize and the matmul epilogues stay in registers.
// The approximations are accurate to a few ulp (erf: ~1e-7 absolute), well inside
// Kiln's stated tolerances; -O0 keeps the libm calls.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

struct ApproximateMathPass : kiln::cpu::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      name.consume_front("math.");
      return llvm::is_contained({"exp", "expm1", "log", "log1p", "log2", "erf", "erfc", "tanh"},
                                name);
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
