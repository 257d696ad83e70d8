//===- LatencyStats.h - Summary statistics of run latencies -----*- C++ -*-===//
//
// Part of Kiln. kiln-bench's numbers: mean, standard deviation, extremes,
// percentiles and a histogram of per-run latencies.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_BENCH_LATENCYSTATS_H
#define KILN_TOOLS_KILN_BENCH_LATENCYSTATS_H

#include <cstdint>
#include <vector>

namespace kiln::bench {

/// Latency summary in milliseconds. `std` is the population standard deviation;
/// percentiles interpolate linearly between the closest ranks (NumPy's default).
struct LatencyStats {
  double mean = 0, std = 0, min = 0, max = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0;
};

/// The summary of `samplesMs` (all zero when empty).
LatencyStats summarize(std::vector<double> samplesMs);

/// The `q`-th percentile (0..100) of sorted, non-empty `sorted`.
double percentile(const std::vector<double> &sorted, double q);

/// `bins` equal-width bins from the smallest sample to the 99th percentile (bins + 1
/// edges), so that a few outliers do not squeeze the rest into one bin; the samples
/// beyond the last edge are counted in `above`.
struct Histogram {
  std::vector<double> edgesMs;
  std::vector<uint64_t> counts;
  uint64_t above = 0;
};
Histogram histogram(const std::vector<double> &samplesMs, int bins);

} // namespace kiln::bench

#endif // KILN_TOOLS_KILN_BENCH_LATENCYSTATS_H
