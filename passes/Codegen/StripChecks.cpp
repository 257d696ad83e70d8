//===- StripChecks.cpp - Erase run-time checks (benchmarks only) ----------===//
//
// kiln-strip-checks: what the checks cost is measured by compiling a model with and
// without them (bench/run_bench.py --variant). Nothing else may run it: a model
// without checks reads out of bounds on a bad index.
//
//===----------------------------------------------------------------------===//

#include "ir/kiln/KilnDialect.h"
#include "passes/Codegen/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_STRIPCHECKS
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct StripChecksPass : kiln::impl::StripChecksBase<StripChecksPass> {
  void runOnOperation() override {
    getOperation().walk([&](kiln::kilnir::CheckOp check) {
      check.erase();
      ++numStripped;
    });
  }
};
} // namespace
