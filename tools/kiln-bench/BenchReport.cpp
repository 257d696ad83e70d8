//===- BenchReport.cpp - kiln-bench's text and JSON reports ---------------===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "BenchReport.h"
#include "JsonWriter.h"

#include "model_io.h"

#include <cstdio>

using namespace kiln::bench;
using kiln::tools::check;

namespace {
/// Milliseconds with about four significant digits.
std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.1f" : v >= 1 ? "%.3f" : "%.4f", v);
  return buf;
}

/// "12.34 MiB", or KiB below one MiB.
std::string memory(uint64_t bytes) {
  char buf[32];
  if (bytes < (1 << 20))
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  else
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string describe(const ValueInfo &v) {
  std::string s = "'" + v.name + "' ";
  if (v.absent)
    return s + "absent";
  if (v.sequence)
    return s + "sequence of " + std::to_string(v.dims.empty() ? 0 : v.dims[0]) + " " +
           kiln_dtype_name(v.dtype);
  return s + kiln_dtype_name(v.dtype) + " " +
         kiln::tools::dimsString(v.dims.data(), static_cast<int32_t>(v.dims.size()));
}

std::string threadCount(int n) { return std::to_string(n) + (n == 1 ? " thread" : " threads"); }

std::string runsWanted(const BenchOptions &o) {
  char buf[64];
  if (o.iterations > 0)
    std::snprintf(buf, sizeof buf, "%lld runs", static_cast<long long>(o.iterations));
  else
    std::snprintf(buf, sizeof buf, "%g s of runs", o.seconds);
  return buf;
}

void writeValues(JsonWriter &json, const char *key, const std::vector<ValueInfo> &values,
                 bool withFiles) {
  json.key(key).beginArray();
  for (const ValueInfo &v : values) {
    json.beginObject().key("name").value(v.name).key("dtype").value(kiln_dtype_name(v.dtype));
    if (v.absent)
      json.key("absent").value(true);
    else if (v.sequence)
      json.key("sequence_length").value(v.dims.empty() ? int64_t(0) : v.dims[0]);
    else
      json.key("dims").array(v.dims);
    if (withFiles && !v.file.empty())
      json.key(v.sequence ? "folder" : "file").value(v.file);
    json.endObject();
  }
  json.endArray();
}

void writeMeasurement(JsonWriter &json, const Measurement &m) {
  json.beginObject();
  json.key("batch").value(m.batch).key("samples_per_run").value(m.samplesPerRun);
  json.key("threads").value(m.threads);
  writeValues(json, "inputs", m.inputs, false);
  json.key("runs").value(static_cast<int64_t>(m.timing.latenciesMs.size()));
  json.key("wall_s").value(m.timing.wallSeconds);
  const LatencyStats &l = m.latency;
  json.key("latency_ms").beginObject();
  json.key("mean").value(l.mean).key("std").value(l.std).key("min").value(l.min);
  json.key("max").value(l.max).key("p50").value(l.p50).key("p90").value(l.p90);
  json.key("p95").value(l.p95).key("p99").value(l.p99).endObject();
  json.key("latency_histogram_ms").beginObject();
  json.key("edges").array(m.histogram.edgesMs).key("counts").array(m.histogram.counts);
  json.key("above").value(m.histogram.above).endObject();
  json.key("throughput").beginObject();
  json.key("runs_per_s").value(m.runsPerSecond).key("samples_per_s").value(m.samplesPerSecond);
  json.endObject();
  json.key("memory").beginObject();
  json.key("arena_bytes").value(m.arenaBytes).key("peak_rss_bytes").value(m.peakRssBytes);
  json.endObject();
  if (!m.savedDir.empty()) {
    json.key("saved").beginObject().key("folder").value(m.savedDir);
    writeValues(json, "inputs", m.inputs, true);
    writeValues(json, "outputs", m.outputs, true);
    json.endObject();
  }
  json.endObject();
}
} // namespace

std::optional<size_t> kiln::bench::bestBatch(const std::vector<Measurement> &sweep,
                                             std::optional<double> budgetMs) {
  std::optional<size_t> best;
  for (size_t i = 0; i < sweep.size(); ++i) {
    if (budgetMs && sweep[i].latency.p99 > *budgetMs)
      continue;
    if (!best || sweep[i].samplesPerSecond > sweep[*best].samplesPerSecond)
      best = i;
  }
  return best;
}

void kiln::bench::printHeader(kiln_model *model, const BenchOptions &o) {
  kiln_model_metadata meta;
  check(kiln_model_get_metadata(model, &meta));
  std::printf("kiln-bench: %s (graph '%s', compiled for %s)\n", o.model.c_str(),
              meta.model_name ? meta.model_name : "", meta.target_cpu ? meta.target_cpu : "?");
  std::string threads = o.threads ? threadCount(o.threads) : "all cores";
  std::printf("%s after %lld warm-up runs per thread, concurrency %d, %s\n", runsWanted(o).c_str(),
              static_cast<long long>(o.warmup), o.concurrency, threads.c_str());
}

void kiln::bench::printMeasurement(const Measurement &m, const BenchOptions &o) {
  std::string inputs;
  for (const ValueInfo &v : m.inputs)
    inputs += (inputs.empty() ? "" : ", ") + describe(v);
  std::printf("inputs: %s\n", inputs.empty() ? "none" : inputs.c_str());
  std::printf("%zu runs in %.3f s on %s, concurrency %d\n", m.timing.latenciesMs.size(),
              m.timing.wallSeconds, threadCount(m.threads).c_str(), o.concurrency);
  const LatencyStats &l = m.latency;
  std::printf("latency ms: mean %s  std %s  min %s  max %s\n", ms(l.mean).c_str(),
              ms(l.std).c_str(), ms(l.min).c_str(), ms(l.max).c_str());
  std::printf("            p50 %s  p90 %s  p95 %s  p99 %s\n", ms(l.p50).c_str(), ms(l.p90).c_str(),
              ms(l.p95).c_str(), ms(l.p99).c_str());
  std::printf("throughput: %.1f runs/s, %.1f samples/s (%lld per run)\n", m.runsPerSecond,
              m.samplesPerSecond, static_cast<long long>(m.samplesPerRun));
  std::printf("memory: activation arena %s, peak resident %s\n", memory(m.arenaBytes).c_str(),
              memory(m.peakRssBytes).c_str());
  std::fflush(stdout);
}

void kiln::bench::printBatcher(const Measurement &online, const Measurement &offline,
                               const BenchOptions &o) {
  std::printf("requests through the batcher (max batch %lld, timeout %lld us), %d clients:\n",
              static_cast<long long>(o.batcherMax), static_cast<long long>(o.batcherTimeoutUs),
              o.concurrency);
  printMeasurement(online, o);
  std::printf("mean batch %.1f rows\n", online.meanBatch);
  std::printf("offline, batches of %lld back to back on one thread:\n",
              static_cast<long long>(o.batcherMax));
  BenchOptions one = o;
  one.concurrency = 1;
  printMeasurement(offline, one);
  double ratio = offline.samplesPerSecond > 0 ? online.samplesPerSecond / offline.samplesPerSecond : 0;
  double bound = static_cast<double>(o.batcherTimeoutUs) / 1000 + offline.latency.p50;
  std::printf("batcher/offline throughput: %.2f; request p99 %s ms against timeout + one batched "
              "run (%s ms): %s\n",
              ratio, ms(online.latency.p99).c_str(), ms(bound).c_str(),
              online.latency.p99 <= bound ? "within" : "above");
  std::fflush(stdout);
}

void kiln::bench::printSweepHeader() {
  std::printf("%6s %7s %10s %10s %10s %12s %12s\n", "batch", "runs", "mean_ms", "p50_ms", "p99_ms",
              "samples/s", "arena_MiB");
  std::fflush(stdout);
}

void kiln::bench::printSweepRow(const Measurement &m) {
  std::printf("%6lld %7zu %10s %10s %10s %12.1f %12.2f\n", static_cast<long long>(m.batch),
              m.timing.latenciesMs.size(), ms(m.latency.mean).c_str(), ms(m.latency.p50).c_str(),
              ms(m.latency.p99).c_str(), m.samplesPerSecond,
              static_cast<double>(m.arenaBytes) / (1 << 20));
  std::fflush(stdout);
}

void kiln::bench::printSweepBest(const std::vector<Measurement> &sweep, const BenchOptions &o) {
  std::optional<size_t> best = bestBatch(sweep, o.latencyBudgetMs);
  std::string budget = o.latencyBudgetMs ? " with p99 <= " + ms(*o.latencyBudgetMs) + " ms" : "";
  if (!best) {
    std::printf("no batch size has p99 <= %s ms (the lowest p99 is %s ms at batch %lld)\n",
                ms(*o.latencyBudgetMs).c_str(), ms(sweep.front().latency.p99).c_str(),
                static_cast<long long>(sweep.front().batch));
  } else {
    const Measurement &m = sweep[*best];
    std::printf("best throughput%s: batch %lld, %.1f samples/s, p99 %s ms\n", budget.c_str(),
                static_cast<long long>(m.batch), m.samplesPerSecond, ms(m.latency.p99).c_str());
  }
  std::printf("peak resident memory: %s\n", memory(sweep.back().peakRssBytes).c_str());
  std::fflush(stdout);
}

std::string kiln::bench::jsonReport(kiln_model *model, const BenchOptions &o,
                                    const std::vector<Measurement> &measurements) {
  kiln_model_metadata meta;
  check(kiln_model_get_metadata(model, &meta));
  JsonWriter json;
  json.beginObject();
  json.key("tool").value("kiln-bench").key("runtime").value(kiln_runtime_version());
  json.key("model").value(o.model).key("graph").value(meta.model_name ? meta.model_name : "");
  json.key("target_cpu").value(meta.target_cpu ? meta.target_cpu : "");
  json.key("settings").beginObject();
  json.key("threads").value(o.threads).key("concurrency").value(o.concurrency);
  json.key("warmup_per_thread").value(o.warmup);
  if (o.iterations > 0)
    json.key("iterations").value(o.iterations);
  else
    json.key("seconds").value(o.seconds);
  json.endObject();
  json.key("measurements").beginArray();
  for (const Measurement &m : measurements)
    writeMeasurement(json, m);
  json.endArray();
  if (!o.sweepBatches.empty()) {
    json.key("sweep").beginObject().key("batches").array(o.sweepBatches);
    json.key("latency_budget_ms");
    if (o.latencyBudgetMs)
      json.value(*o.latencyBudgetMs);
    else
      json.null();
    json.key("budget_percentile").value("p99");
    std::optional<size_t> best = bestBatch(measurements, o.latencyBudgetMs);
    json.key("best_batch");
    if (best)
      json.value(measurements[*best].batch);
    else
      json.null();
    json.endObject();
  }
  if (o.batcherMax > 0 && measurements.size() == 2) {
    // measurements[0]: the requests through the batcher; [1]: offline at the max batch.
    const Measurement &online = measurements[0], &offline = measurements[1];
    json.key("batcher").beginObject();
    json.key("max_batch").value(o.batcherMax).key("timeout_us").value(o.batcherTimeoutUs);
    json.key("mean_batch").value(online.meanBatch);
    json.key("throughput_ratio")
        .value(offline.samplesPerSecond > 0 ? online.samplesPerSecond / offline.samplesPerSecond
                                            : 0.0);
    json.endObject();
  }
  json.endObject();
  return json.str() + "\n";
}
