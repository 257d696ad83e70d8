//===- BenchReport.h - kiln-bench's text and JSON reports -------*- C++ -*-===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_BENCH_BENCHREPORT_H
#define KILN_TOOLS_KILN_BENCH_BENCHREPORT_H

#include "BenchOptions.h"
#include "Measurement.h"

#include "kiln/runtime.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::bench {

/// The sweep's pick: the highest samples/s among the batch sizes whose p99
/// latency is within the budget (all of them without one); nullopt when none is.
std::optional<size_t> bestBatch(const std::vector<Measurement> &sweep,
                                std::optional<double> budgetMs);

/// The model, its inputs and the run settings, before the measurements.
void printHeader(kiln_model *model, const BenchOptions &options);
/// One measurement in full (without --sweep-batch).
void printMeasurement(const Measurement &m, const BenchOptions &options);
/// The sweep's table: the header, then a row per batch size as it is measured.
/// --batcher: the requests' figures next to the offline ones at the max batch.
void printBatcher(const Measurement &online, const Measurement &offline, const BenchOptions &options);
void printSweepHeader();
void printSweepRow(const Measurement &m);
void printSweepBest(const std::vector<Measurement> &sweep, const BenchOptions &options);

/// Every number as JSON (docs/kiln-bench.md describes the fields).
std::string jsonReport(kiln_model *model, const BenchOptions &options,
                       const std::vector<Measurement> &measurements);

} // namespace kiln::bench

#endif // KILN_TOOLS_KILN_BENCH_BENCHREPORT_H
