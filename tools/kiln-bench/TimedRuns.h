//===- TimedRuns.h - kiln-bench's timed loop --------------------*- C++ -*-===//
//
// Part of Kiln. Runs one session from C threads at once (runs on a session are
// thread-safe, each takes its own activation arena): W untimed warm-up runs on
// every thread, then timed runs until I runs are done in all or S seconds have
// passed, each timed alone with steady_clock. No Python, no allocation in the
// loop: each thread reuses its outputs from its first run.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_BENCH_TIMEDRUNS_H
#define KILN_TOOLS_KILN_BENCH_TIMEDRUNS_H

#include "kiln/runtime.h"

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::bench {

struct RunPlan {
  int64_t warmup = 5;     ///< untimed runs on each thread
  int64_t iterations = 0; ///< timed runs in all threads together; 0 = use `seconds`
  double seconds = 0;     ///< time each thread runs for when `iterations` is 0
  int concurrency = 1;    ///< threads calling kiln_session_run at once
  /// Runs go through this batcher (kiln_batcher_run) instead of the session.
  kiln_batcher *batcher = nullptr;
  /// A progress bar on stderr once the timed runs have taken a second (set it only
  /// when stderr is a terminal); `label` starts its line.
  bool progress = false;
  std::string label;
  /// Set (by a signal handler) to stop early: timeRuns then throws Interrupted.
  const std::atomic<bool> *cancel = nullptr;
};

/// timeRuns stopped because `cancel` was set.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

struct Timing {
  std::vector<double> latenciesMs; ///< every timed run, thread by thread
  double wallSeconds = 0;          ///< from the start of the timed runs to the last one's end
};

/// Runs `session` on `inputs` (model order, NULL for an absent optional input) as
/// `plan` says. A failed run throws kiln::tools::ToolError with its message.
Timing timeRuns(kiln_session *session, const std::vector<const kiln_tensor *> &inputs,
                const RunPlan &plan);

} // namespace kiln::bench

#endif // KILN_TOOLS_KILN_BENCH_TIMEDRUNS_H
