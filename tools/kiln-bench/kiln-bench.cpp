//===- kiln-bench.cpp - Latency, throughput and memory of a compiled model ===//
//
// Part of Kiln.
//
//   kiln-bench MODEL.so [--batch N] [--threads T] [--warmup W]
//              [--iterations I | --seconds S] [--concurrency C]
//              [--sweep-batch 1,2,4,... [--latency-budget-ms MS]]
//              [--input NAME=FILE ...] [--shape NAME=d0,d1,... ...] [--absent NAME ...]
//              [--reference MODEL.onnx] [--json FILE] [--plot FILE.png]
//              [--save-outputs DIR] [--no-progress]
//              [--batcher N [--batcher-timeout-us U]]
//
// Times kiln_session_run in C++ (TimedRuns.h): latency mean, std, min, max, p50,
// p90, p95, p99, throughput, activation arena and peak resident memory, for one
// batch size or each of --sweep-batch (the best throughput within the p99
// budget). --reference and --plot run kiln_bench_report.py (ReportScript.h) on
// the JSON and the saved inputs and outputs. docs/kiln-bench.md is the manual.
// Errors are one line on stderr; exit code 1.
//
//===----------------------------------------------------------------------===//

#include "BenchOptions.h"
#include "BenchReport.h"
#include "Measurement.h"
#include "ReportScript.h"

#include "model_io.h"

#include "kiln/model_abi.h"
#include "kiln/runtime.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

using namespace kiln::bench;
using kiln::tools::check;
using kiln::tools::ToolError;

namespace {
/// Set by SIGINT and SIGTERM: the runs stop, the temporary files go, exit code 130.
std::atomic<bool> interrupted{false};

void onSignal(int) { interrupted = true; }

/// Whether any input has a dim the batch size can set (a sequence's length counts).
bool hasDynamicInput(kiln_model *model) {
  for (size_t i = 0, n = kiln_model_num_inputs(model); i < n; ++i) {
    kiln_tensor_info info;
    check(kiln_model_input_info(model, i, &info));
    if (kiln_model_input_kind(model, i) != KILN_MODEL_VALUE_TENSOR)
      return true;
    for (int32_t d = 0; d < info.rank; ++d)
      if (info.dims[d] < 0)
        return true;
  }
  return false;
}

void writeFile(const std::string &path, const std::string &text, const char *flag) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw ToolError(std::string(flag) + " " + path + ": cannot write: " + std::strerror(errno));
}

int run(const BenchOptions &o) {
  bool needsPython = !o.reference.empty() || !o.plot.empty();
  std::string script;
  std::vector<std::string> scriptArgs;
  if (!o.reference.empty())
    scriptArgs.insert(scriptArgs.end(), {"--reference", o.reference});
  if (!o.plot.empty())
    scriptArgs.insert(scriptArgs.end(), {"--plot", o.plot});
  if (needsPython) {
    // Find out now, not after the timing, whether onnxruntime and matplotlib are there.
    script = findReportScript();
    std::vector<std::string> checkArgs = scriptArgs;
    checkArgs.push_back("--check");
    if (runReportScript(script, checkArgs) != 0)
      return 1; // the script said why
  }

  kiln_model *rawModel = nullptr;
  check(kiln_model_load(o.model.c_str(), nullptr, &rawModel));
  std::unique_ptr<kiln_model, void (*)(kiln_model *)> model(rawModel, kiln_model_release);
  if (!hasDynamicInput(model.get())) {
    if (!o.sweepBatches.empty())
      throw ToolError("--sweep-batch: the inputs of " + o.model +
                      " have no dynamic dims, so it runs at one batch size only");
    if (o.batchGiven && o.batch != 1)
      std::fprintf(stderr,
                   "kiln-bench: note: the inputs of %s have no dynamic dims; "
                   "--batch %lld changes nothing\n",
                   o.model.c_str(), static_cast<long long>(o.batch));
  }

  // Temporary files: the saved inputs and outputs when only --reference wants them,
  // the JSON when only the script does.
  std::optional<TempDir> temp;
  bool tempData = !o.reference.empty() && o.saveOutputs.empty();
  if (tempData || (needsPython && o.json.empty()))
    temp.emplace();
  std::string saveRoot; // absolute, so that the JSON's file names hold from any folder
  if (tempData)
    saveRoot = temp->path() + "/data";
  else if (!o.saveOutputs.empty())
    saveRoot = std::filesystem::absolute(o.saveOutputs).lexically_normal().string();
  std::string jsonPath = o.json.empty() && needsPython ? temp->path() + "/report.json" : o.json;

  printHeader(model.get(), o);
  std::vector<Measurement> measurements;
  if (o.batcherMax > 0) {
    auto [online, offline] = measureBatcher(model.get(), o, &interrupted);
    printBatcher(online, offline, o);
    measurements = {online, offline};
  } else if (o.sweepBatches.empty()) {
    measurements.push_back(measure(model.get(), o, o.batch, saveRoot, &interrupted));
    printMeasurement(measurements.back(), o);
  } else {
    printSweepHeader();
    for (int64_t batch : o.sweepBatches) {
      std::string dir = saveRoot.empty() ? "" : saveRoot + "/batch-" + std::to_string(batch);
      measurements.push_back(measure(model.get(), o, batch, dir, &interrupted));
      printSweepRow(measurements.back());
    }
    printSweepBest(measurements, o);
  }

  if (!jsonPath.empty())
    writeFile(jsonPath, jsonReport(model.get(), o, measurements), "--json");
  if (!needsPython)
    return 0;
  scriptArgs.insert(scriptArgs.begin(), {"--json", jsonPath});
  if (tempData)
    scriptArgs.push_back("--drop-saved"); // the folders go with the temporary one
  return runReportScript(script, scriptArgs) ? 1 : 0;
}
} // namespace

int main(int argc, char **argv) {
  BenchOptions options;
  if (std::optional<int> code = parseOptions(argc, argv, options))
    return *code;
  for (int sig : {SIGINT, SIGTERM}) {
    struct sigaction action = {}, before = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    // A signal ignored from the start (SIGINT of a background job) stays ignored.
    if (sigaction(sig, nullptr, &before) == 0 && before.sa_handler != SIG_IGN)
      sigaction(sig, &action, nullptr);
  }
  try {
    int code = run(options);
    return interrupted ? 130 : code;
  } catch (const Interrupted &) {
    std::fflush(stdout);
    std::cerr << "kiln-bench: interrupted\n";
    return 130;
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::cerr << "kiln-bench: " << e.what() << "\n";
  }
  return 1;
}
