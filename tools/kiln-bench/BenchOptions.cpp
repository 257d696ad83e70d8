//===- BenchOptions.cpp - kiln-bench's command line -----------------------===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "BenchOptions.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>

using namespace kiln::bench;
namespace po = boost::program_options;

namespace {
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A whole decimal integer, or nullopt.
std::optional<int64_t> parseInt(const std::string &s) {
  if (s.empty() || s.find_first_not_of("0123456789+-") != std::string::npos)
    return std::nullopt;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end)
    return std::nullopt;
  return v;
}

/// Splits "a,b,c" at the commas ("" gives no items).
std::vector<std::string> splitCommas(const std::string &s) {
  std::vector<std::string> items;
  if (s.empty())
    return items;
  size_t begin = 0;
  while (true) {
    size_t comma = s.find(',', begin);
    items.push_back(s.substr(begin, comma - begin));
    if (comma == std::string::npos)
      return items;
    begin = comma + 1;
  }
}

std::vector<int64_t> parseSweep(const std::string &list) {
  std::vector<int64_t> batches;
  for (const std::string &item : splitCommas(list)) {
    std::optional<int64_t> b = parseInt(item);
    if (!b || *b < 1)
      throw UsageError("--sweep-batch " + list + ": '" + item +
                       "' is not a batch size (give positive integers, e.g. 1,2,4,8)");
    batches.push_back(*b);
  }
  if (batches.empty())
    throw UsageError("--sweep-batch: give a list of batch sizes, e.g. 1,2,4,8");
  std::sort(batches.begin(), batches.end());
  batches.erase(std::unique(batches.begin(), batches.end()), batches.end());
  return batches;
}

/// NAME=d0,d1,... where a dim is a size or `batch`.
void parseShape(const std::string &arg, std::map<std::string, std::vector<int64_t>> &shapes) {
  size_t eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("--shape " + arg + ": give NAME=d0,d1,... (a dim is a size or 'batch')");
  std::vector<int64_t> dims;
  for (const std::string &item : splitCommas(arg.substr(eq + 1))) {
    std::optional<int64_t> d = parseInt(item);
    if (item == "batch")
      d = kBatchDim;
    else if (!d || *d < 0)
      throw UsageError("--shape " + arg + ": '" + item +
                       "' is not a dim (give a size >= 0 or 'batch')");
    dims.push_back(*d);
  }
  if (!shapes.emplace(arg.substr(0, eq), dims).second)
    throw UsageError("--shape " + arg + ": input '" + arg.substr(0, eq) +
                     "' already has a --shape");
}

template <typename T> std::vector<T> many(const po::variables_map &vm, const char *name) {
  return vm.count(name) ? vm[name].as<std::vector<T>>() : std::vector<T>();
}

void check(bool ok, const std::string &message) {
  if (!ok)
    throw UsageError(message);
}

/// The file `flag` names goes into a folder that exists (checked before any timing).
std::string outputFile(const po::variables_map &vm, const char *flag) {
  if (!vm.count(flag))
    return "";
  std::string path = vm[flag].as<std::string>();
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  check(dir.empty() || std::filesystem::is_directory(dir),
        std::string("--") + flag + " " + path + ": no folder '" + dir.string() + "'");
  return path;
}
} // namespace

std::optional<int> kiln::bench::parseOptions(int argc, char **argv, BenchOptions &o) {
  po::options_description visible(
      "kiln-bench MODEL.so [options]: latency, throughput and memory of a compiled model");
  visible.add_options()("help,h", "show this help")(
      "input,i", po::value<std::vector<std::string>>(),
      "NAME=FILE (.npy or TensorProto .pb); inputs not given are random (fixed seed)")(
      "shape", po::value<std::vector<std::string>>(),
      "NAME=d0,d1,...: dims of the random input NAME (a dim may be 'batch')")(
      "absent", po::value<std::vector<std::string>>(), "NAME: leave the optional input absent")(
      "batch,b", po::value<int64_t>(), "batch size of the random inputs (default 1)")(
      "threads,t", po::value<int32_t>()->default_value(0), "threads per session (0 = all cores)")(
      "warmup", po::value<int64_t>()->default_value(5), "untimed runs on each concurrent thread")(
      "iterations", po::value<int64_t>(), "timed runs in all (default 100)")(
      "seconds", po::value<double>(), "time the runs for this long instead of --iterations")(
      "concurrency", po::value<int>()->default_value(1),
      "threads running the session at once, each run with its own arena")(
      "sweep-batch", po::value<std::string>(),
      "B1,B2,...: measure each batch size; the best throughput within the budget")(
      "latency-budget-ms", po::value<double>(),
      "with --sweep-batch: the largest p99 latency a batch size may have")(
      "reference", po::value<std::string>(),
      "MODEL.onnx: run it with ONNX Runtime on the same inputs and report the difference")(
      "json", po::value<std::string>(), "write every number to FILE as JSON")(
      "plot", po::value<std::string>(),
      "FILE.png: latency and throughput against batch size (histogram without a sweep)")(
      "save-outputs", po::value<std::string>(), "DIR: write the inputs and outputs as .npy")(
      "no-progress", "no progress bar (it shows on a terminal only, on runs over a second)")(
      "batcher", po::value<int64_t>(),
      "N: the --concurrency threads send their --batch-row requests through a request "
      "batcher (kiln_batcher) of max batch N; also measures the offline throughput at "
      "batch N and reports the ratio")(
      "batcher-timeout-us", po::value<int64_t>()->default_value(1000),
      "with --batcher: how long a batch waits for more requests, from its oldest");
  po::options_description all;
  all.add(visible).add_options()("model", po::value<std::vector<std::string>>(), "model library");
  po::positional_options_description positional;
  positional.add("model", -1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << visible << "\n";
      return 0;
    }
    std::vector<std::string> models = many<std::string>(vm, "model");
    check(!models.empty(), "no model: give MODEL.so (a library kilnc compiled); see --help");
    if (models.size() > 1)
      throw UsageError("one model at a time: '" + models[0] + "' and '" + models[1] + "'");
    o.model = models[0];
    o.inputs = many<std::string>(vm, "input");
    o.absent = many<std::string>(vm, "absent");
    for (const std::string &s : many<std::string>(vm, "shape"))
      parseShape(s, o.shapes);
    if ((o.batchGiven = vm.count("batch") > 0))
      o.batch = vm["batch"].as<int64_t>();
    check(o.batch >= 1, "--batch " + std::to_string(o.batch) + ": must be >= 1");
    o.threads = vm["threads"].as<int32_t>();
    check(o.threads >= 0, "--threads must be >= 0 (0 = all cores)");
    o.warmup = vm["warmup"].as<int64_t>();
    check(o.warmup >= 0, "--warmup must be >= 0");
    check(!(vm.count("iterations") && vm.count("seconds")),
          "give --iterations or --seconds, not both");
    if (vm.count("seconds")) {
      o.seconds = vm["seconds"].as<double>();
      o.iterations = 0;
      check(o.seconds > 0, "--seconds must be > 0");
    } else if (vm.count("iterations")) {
      o.iterations = vm["iterations"].as<int64_t>();
      check(o.iterations >= 1, "--iterations must be >= 1");
    }
    o.concurrency = vm["concurrency"].as<int>();
    check(o.concurrency >= 1, "--concurrency must be >= 1");
    if (vm.count("sweep-batch")) {
      o.sweepBatches = parseSweep(vm["sweep-batch"].as<std::string>());
      check(!o.batchGiven, "give --batch or --sweep-batch, not both");
      check(o.inputs.empty(), "--sweep-batch makes random inputs at each batch size; it does "
                              "not take --input (use --shape for the other dims)");
    }
    if (vm.count("latency-budget-ms")) {
      o.latencyBudgetMs = vm["latency-budget-ms"].as<double>();
      check(!o.sweepBatches.empty(), "--latency-budget-ms needs --sweep-batch");
      check(*o.latencyBudgetMs > 0, "--latency-budget-ms must be > 0");
    }
    if (vm.count("reference")) {
      o.reference = vm["reference"].as<std::string>();
      check(std::filesystem::is_regular_file(o.reference),
            "--reference " + o.reference + ": no such file (give the .onnx model)");
    }
    o.json = outputFile(vm, "json");
    o.plot = outputFile(vm, "plot");
    if (vm.count("save-outputs"))
      o.saveOutputs = vm["save-outputs"].as<std::string>();
    o.progress = !vm.count("no-progress");
    if (vm.count("batcher")) {
      o.batcherMax = vm["batcher"].as<int64_t>();
      check(o.batcherMax >= 1, "--batcher must be >= 1");
      check(o.sweepBatches.empty(), "give --batcher or --sweep-batch, not both");
      check(o.batch <= o.batcherMax, "--batch must not exceed --batcher's max batch");
    }
    o.batcherTimeoutUs = vm["batcher-timeout-us"].as<int64_t>();
    check(o.batcherTimeoutUs >= 0, "--batcher-timeout-us must be >= 0");
    return std::nullopt;
  } catch (const std::exception &e) { // UsageError and Boost's own
    std::cerr << "kiln-bench: " << e.what() << "\n";
    return 1;
  }
}
