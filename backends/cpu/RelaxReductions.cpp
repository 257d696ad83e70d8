//===- RelaxReductions.cpp - Let LLVM vectorize float reductions ----------===//
//
// A float sum or max over a row (Softmax, LayerNorm, ReduceMean, GlobalAveragePool)
// only vectorizes if LLVM may reassociate it. This pass marks the combining arith op in
// the body of every linalg op with a reduction loop `fastmath<reassoc>`: the sum is then
// taken in vector lanes and combined at the end, which changes the rounding of the
// result at the level of float epsilon (within every tolerance Kiln states) and nothing
// else. -O0 leaves reductions in order.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_RELAXREDUCTIONS
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

struct RelaxReductionsPass : kiln::cpu::impl::RelaxReductionsBase<RelaxReductionsPass> {
  void runOnOperation() override {
    getOperation().walk([](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() == 0 || op->getNumRegions() != 1 ||
          op->getRegion(0).empty())
        return;
      for (Operation &inner : op->getRegion(0).front()) {
        if (!isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp, arith::MinimumFOp,
                 arith::MaxNumFOp, arith::MinNumFOp>(inner))
          continue;
        auto fastMath = cast<arith::ArithFastMathInterface>(inner);
        arith::FastMathFlags flags =
            fastMath.getFastMathFlagsAttr().getValue() | arith::FastMathFlags::reassoc;
        // Which of -0 and +0 a max/min returns is unspecified for ONNX; `nsz` lets LLVM
        // use vmaxps plus a NaN fix-up instead of also ordering the zeros.
        if (!isa<arith::AddFOp, arith::MulFOp>(inner))
          flags = flags | arith::FastMathFlags::nsz;
        inner.setAttr(fastMath.getFastMathAttrName(),
                      arith::FastMathFlagsAttr::get(op.getContext(), flags));
      }
    });
  }
};

} // namespace
