//===- ExpandArith.cpp - Expand arith ops LLVM has no lowering for ---------===//
//
// Upstream `arith-expand` with one difference: a float max/min that combines a
// reduction (marked `reassoc` by kiln-relax-reductions) stays an `arith.maximumf` /
// `minimumf`, which becomes `llvm.maximum` / `llvm.minimum`. LLVM's loop vectorizer
// recognizes those intrinsics as reductions; the compare-and-select that arith-expand
// makes of them it does not, so every ReduceMax, GlobalMaxPool, ArgMax and Softmax row
// maximum ran as scalar code (a 512 x 508 ReduceMax: 0.39 ms scalar, 0.01 ms vectorized).
// Both forms propagate NaN; elementwise max/min (Relu, Clip) are expanded as upstream does.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_EXPANDARITH
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// A max/min kiln-relax-reductions marked as the combiner of a reduction.
bool isReductionCombiner(Operation *op) {
  auto fastMath = cast<arith::ArithFastMathInterface>(op);
  return arith::bitEnumContainsAll(fastMath.getFastMathFlagsAttr().getValue(),
                                   arith::FastMathFlags::reassoc);
}

struct ExpandArithPass : kiln::cpu::impl::ExpandArithBase<ExpandArithPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    arith::populateArithExpandOpsPatterns(patterns);

    ConversionTarget target(*context);
    target.addLegalDialect<arith::ArithDialect, vector::VectorDialect>();
    // The ops upstream's pass expands (its default options: no bf16/f8/f4 emulation).
    target.addIllegalOp<arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>();
    target.addDynamicallyLegalOp<arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
                                 arith::MinNumFOp>(isReductionCombiner);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
