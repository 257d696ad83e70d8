//===- Statistic.h - Pass counters that count in release builds ---*- C++ -*-===//
//
// mlir::Pass::Statistic (and TableGen's `statistics` field) derives from llvm::Statistic,
// which is a no-op unless LLVM was built with assertions or LLVM_FORCE_ENABLE_STATS; the
// release libMLIR.so Kiln links counts nothing. kiln::PassStatistic is the same idea
// without that condition:
//
//   struct FuseFoo : impl::FuseFooBase<FuseFoo> {
//     kiln::PassStatistic numFused{this, "fused", "Foo+Bar pairs fused"};
//     ... ++numFused; ...
//   };
//
// Counters are process-wide, keyed by the pass argument and the counter name, so the
// copies of a pass that the pass manager makes per thread add into one count.
// `kilnc --kiln-stats` and `kiln-opt --kiln-stats` print them after the run.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_STATISTIC_H
#define KILN_STATISTIC_H

#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <cstdint>

namespace kiln {
namespace detail {
/// The process-wide counter for (`pass`, `name`), created on first use (libKiln.so).
std::atomic<uint64_t> *getStatistic(llvm::StringRef pass, llvm::StringRef name,
                                    llvm::StringRef description);
} // namespace detail

/// A counter owned by a pass; see the file comment.
class PassStatistic {
public:
  /// `owner` is the pass the counter is a member of (its getArgument() names the counter).
  PassStatistic(mlir::Pass *owner, const char *name, const char *description)
      : value(detail::getStatistic(owner->getArgument(), name, description)) {}

  PassStatistic &operator++() {
    value->fetch_add(1, std::memory_order_relaxed);
    return *this;
  }
  PassStatistic &operator+=(uint64_t n) {
    value->fetch_add(n, std::memory_order_relaxed);
    return *this;
  }
  uint64_t getValue() const { return value->load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> *value;
};

/// Prints every counter, grouped by pass, in MLIR's "(S) value name - description"
/// form. Prints nothing when no pass declared a counter.
void printPassStatistics(llvm::raw_ostream &os);

/// Sets every counter to 0 (kilnc, after compiling the calibration variants of a model,
/// so that --kiln-stats counts the final compile).
void resetPassStatistics();

} // namespace kiln

#endif // KILN_STATISTIC_H
