//===- BenchOptions.h - kiln-bench's command line ---------------*- C++ -*-===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_BENCH_BENCHOPTIONS_H
#define KILN_TOOLS_KILN_BENCH_BENCHOPTIONS_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln::bench {

/// A --shape NAME=... dim: a size, or the batch size being measured.
constexpr int64_t kBatchDim = -1;

struct BenchOptions {
  std::string model;
  std::vector<std::string> inputs; ///< --input NAME=FILE
  std::vector<std::string> absent;
  /// --shape NAME=d0,d1,...; kBatchDim where the user wrote `batch`.
  std::map<std::string, std::vector<int64_t>> shapes;
  int64_t batch = 1;
  bool batchGiven = false;
  int32_t threads = 0;
  int64_t warmup = 5;
  int64_t iterations = 100; ///< 0 with --seconds
  double seconds = 0;
  int concurrency = 1;
  std::vector<int64_t> sweepBatches; ///< ascending, no repeats; empty = no sweep
  std::optional<double> latencyBudgetMs;
  std::string reference; ///< ONNX model for ONNX Runtime
  std::string json;
  std::string plot;
  std::string saveOutputs; ///< folder for the inputs and outputs as .npy
  bool progress = true;
  /// --batcher N: requests go through a kiln_batcher of max batch N (0: none), which
  /// waits --batcher-timeout-us for more.
  int64_t batcherMax = 0;
  int64_t batcherTimeoutUs = 1000;
};

/// Parses and checks argv. Returns the exit code to stop with (0 after --help, 1
/// after an error, printed on stderr) or nullopt to go on with `options`.
std::optional<int> parseOptions(int argc, char **argv, BenchOptions &options);

} // namespace kiln::bench

#endif // KILN_TOOLS_KILN_BENCH_BENCHOPTIONS_H
