//===- LatencyStats.cpp - Summary statistics of run latencies -------------===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "LatencyStats.h"

#include <algorithm>
#include <cmath>

using namespace kiln::bench;

double kiln::bench::percentile(const std::vector<double> &sorted, double q) {
  double rank = q / 100.0 * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(rank));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (rank - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

LatencyStats kiln::bench::summarize(std::vector<double> samples) {
  LatencyStats s;
  if (samples.empty())
    return s;
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (double v : samples)
    sum += v;
  s.mean = sum / static_cast<double>(samples.size());
  double squares = 0;
  for (double v : samples)
    squares += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(squares / static_cast<double>(samples.size()));
  s.min = samples.front();
  s.max = samples.back();
  s.p50 = percentile(samples, 50);
  s.p90 = percentile(samples, 90);
  s.p95 = percentile(samples, 95);
  s.p99 = percentile(samples, 99);
  return s;
}

Histogram kiln::bench::histogram(const std::vector<double> &samples, int bins) {
  Histogram h;
  if (samples.empty() || bins < 1)
    return h;
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  double min = sorted.front(), top = percentile(sorted, 99), width = (top - min) / bins;
  for (int b = 0; b <= bins; ++b)
    h.edgesMs.push_back(min + width * b);
  h.counts.assign(bins, 0);
  for (double v : sorted) {
    if (v > top) {
      ++h.above;
      continue;
    }
    int b = width > 0 ? static_cast<int>((v - min) / width) : 0;
    ++h.counts[std::clamp(b, 0, bins - 1)];
  }
  return h;
}
