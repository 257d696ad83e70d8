//===- Measurement.h - One batch size measured ------------------*- C++ -*-===//
//
// Part of Kiln. kiln-bench at one batch size: the inputs built, a fresh session
// (so its arena is this batch size's), the timed runs, the numbers derived from
// them, and the inputs and outputs saved as .npy when asked.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_BENCH_MEASUREMENT_H
#define KILN_TOOLS_KILN_BENCH_MEASUREMENT_H

#include "BenchOptions.h"
#include "LatencyStats.h"
#include "TimedRuns.h"

#include "kiln/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::bench {

/// An input as fed, or an output as saved.
struct ValueInfo {
  std::string name;
  int32_t dtype = 0;
  std::vector<int64_t> dims; ///< a sequence's element count as its one dim
  bool sequence = false;
  bool absent = false;
  std::string file; ///< the .npy (a folder of them for a sequence) when saved
};

struct Measurement {
  int64_t batch = 1;         ///< what the random inputs' batch dims were set to
  int64_t samplesPerRun = 1; ///< dim 0 of the first tensor input: what throughput counts
  int32_t threads = 0;       ///< the session's threads
  std::vector<ValueInfo> inputs, outputs; ///< outputs only when saved
  Timing timing;
  LatencyStats latency;
  Histogram histogram;
  double runsPerSecond = 0, samplesPerSecond = 0;
  uint64_t arenaBytes = 0;   ///< the session's activation arenas, one per concurrent run
  uint64_t peakRssBytes = 0; ///< the process's peak resident memory so far
  std::string savedDir;      ///< where the inputs and outputs went; empty if not saved
  bool viaBatcher = false;   ///< the runs were requests through --batcher
  double meanBatch = 0;      ///< with the batcher: its mean rows per batch
};

/// Measures `model` at batch size `batch`. With a non-empty `saveDir`, writes the
/// inputs to saveDir/inputs and the outputs of one more, untimed run to
/// saveDir/outputs (NAME.npy; NAME.seq/K.npy for a sequence). Setting `*cancel`
/// stops the runs (Interrupted).
Measurement measure(kiln_model *model, const BenchOptions &options, int64_t batch,
                    const std::string &saveDir, const std::atomic<bool> *cancel);

/// With --batcher: the requests through the batcher (at options.batch, from
/// options.concurrency threads) and then the offline runs at the batcher's max batch
/// (one thread), for the ratio of their throughputs.
std::pair<Measurement, Measurement> measureBatcher(kiln_model *model, const BenchOptions &options,
                                                   const std::atomic<bool> *cancel);

} // namespace kiln::bench

#endif // KILN_TOOLS_KILN_BENCH_MEASUREMENT_H
