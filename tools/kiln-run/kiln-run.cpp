//===- kiln-run.cpp - Run a compiled Kiln model ---------------------------===//
//
// Part of Kiln.
//
//   kiln-run MODEL.so [--input NAME=FILE ...] [--absent NAME ...] [--random-inputs [--batch N]]
//            [--output-dir DIR] [--threads T] [--repeat R] [--profile [--profile-top N]]
//
// Inputs come from .npy or ONNX TensorProto .pb files, one --input per model input; a
// sequence input from an ONNX SequenceProto .pb (a sequence output is written as the
// folder NAME.seq of its elements 0.npy, 1.npy, ...).
// With --random-inputs, inputs not given are random (fixed seed) with dynamic dims
// taken from the given inputs sharing their dim_param, else set to --batch (dim 0 and
// dims sharing the batch's dim_param) or 1; without it a missing input is an error.
// --absent NAME leaves the optional input NAME (an ONNX optional<tensor>) absent.
// Prints each output's name, dims, dtype and checksum; writes outputs as .npy into
// --output-dir. Errors are one line; exit code 1.
//
//===----------------------------------------------------------------------===//

#include "host_tensor.h"
#include "model_io.h"
#include "kiln/model_abi.h"
#include "kiln/runtime.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace kiln::tools;

namespace {
/// Prints the session's per-kernel profile, slowest first (`top` rows; 0 = all).
void printProfile(kiln_session *session, size_t top) {
  size_t n = kiln_model_num_profile_kernels(kiln_session_model(session));
  if (n == 0)
    throw ToolError("--profile: the model has no profile; compile it with `kilnc --profile`");
  std::vector<kiln_profile_entry> entries(n);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) {
    check(kiln_session_profile_entry(session, i, &entries[i]));
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (entries[a].total_ns != entries[b].total_ns)
      return entries[a].total_ns > entries[b].total_ns;
    return a < b;
  });
  uint64_t runs = 0, runNs = 0, kernelNs = 0;
  kiln_session_profile_totals(session, &runs, &runNs);
  for (const kiln_profile_entry &e : entries)
    kernelNs += e.total_ns;
  std::printf("profile: %zu kernels, %llu runs, %.3f ms per run in the model, %.1f%% of it in "
              "kernels\n",
              n, static_cast<unsigned long long>(runs), runs ? runNs / 1e6 / runs : 0.0,
              runNs ? 100.0 * kernelNs / runNs : 0.0);
  std::printf("%-6s %-28s %-12s %8s %12s %12s %7s  %s\n", "kernel", "op", "onnx_op", "calls",
              "total_ms", "mean_ms", "%run", "onnx_nodes");
  if (top == 0 || top > n)
    top = n;
  for (size_t r = 0; r < top; ++r) {
    const kiln_profile_entry &e = entries[order[r]];
    double totalMs = e.total_ns / 1e6;
    std::printf("k%-5zu %-28s %-12s %8llu %12.3f %12.4f %6.2f%%  %s\n", order[r], e.kernel,
                e.op_types[0] ? e.op_types : "-", static_cast<unsigned long long>(e.calls),
                totalMs, e.calls ? totalMs / e.calls : 0.0,
                runNs ? 100.0 * e.total_ns / runNs : 0.0, e.nodes[0] ? e.nodes : "-");
  }
}

/// Prints a sequence output (data `data`, shape table `shapes`) and writes its elements
/// as DIR/NAME.seq/<k>.npy.
void writeSequenceOutput(const char *name, const kiln_tensor *data, const kiln_tensor *shapes,
                         const std::string &outDir) {
  std::vector<TensorPtr> elements = unpackSequence(data, shapes);
  Checksum c = checksum(kiln_tensor_dtype(data), kiln_tensor_data(data),
                        kiln_tensor_num_elements(data));
  std::printf("output '%s': sequence of %zu dtype %s sum %.17g abs_sum %.17g\n", name,
              elements.size(), kiln_dtype_name(kiln_tensor_dtype(data)), c.sum, c.absSum);
  if (!outDir.empty())
    writeSequenceNpy(outDir + "/" + fileNameFor(name) + ".seq", elements);
}

int run(const po::variables_map &vm) {
  kiln_model *rawModel = nullptr;
  check(kiln_model_load(vm["model"].as<std::string>().c_str(), nullptr, &rawModel));
  std::unique_ptr<kiln_model, void (*)(kiln_model *)> model(rawModel, kiln_model_release);

  InputSpec spec;
  if (vm.count("input"))
    spec.files = vm["input"].as<std::vector<std::string>>();
  if (vm.count("absent"))
    spec.absent = vm["absent"].as<std::vector<std::string>>();
  spec.random = vm.count("random-inputs") > 0;
  spec.batch = vm["batch"].as<int64_t>();
  std::vector<TensorPtr> inputs = buildInputs(model.get(), spec);

  kiln_session_options options;
  kiln_session_options_initialize(&options);
  options.num_threads = vm["threads"].as<int32_t>();
  kiln_session *rawSession = nullptr;
  check(kiln_session_create(model.get(), &options, &rawSession));
  std::unique_ptr<kiln_session, void (*)(kiln_session *)> session(rawSession, kiln_session_release);

  std::vector<const kiln_tensor *> in;
  for (auto &t : inputs)
    in.push_back(t.get());
  size_t numOutputs = kiln_model_num_outputs(model.get());
  std::vector<kiln_tensor *> out(numOutputs, nullptr);
  std::vector<TensorPtr> owners(numOutputs);
  int repeat = std::max(1, vm["repeat"].as<int>());
  double totalMs = 0;
  for (int r = 0; r < repeat; ++r) {
    // The first run creates the outputs; later runs reuse them.
    auto start = std::chrono::steady_clock::now();
    check(kiln_session_run(session.get(), in.data(), in.size(), out.data(), numOutputs));
    totalMs +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    for (size_t o = 0; o < numOutputs; ++o)
      if (!owners[o])
        owners[o].reset(out[o]);
  }

  std::string outDir = vm.count("output-dir") ? vm["output-dir"].as<std::string>() : "";
  if (!outDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec) {
      std::fprintf(stderr, "kiln-run: cannot create '%s': %s\n", outDir.c_str(),
                   ec.message().c_str());
      return 1;
    }
  }
  for (size_t o = 0; o < numOutputs; ++o) {
    kiln_tensor_info info;
    check(kiln_model_output_info(model.get(), o, &info));
    if (kiln_model_output_kind(model.get(), o) == KILN_MODEL_VALUE_SEQUENCE_DATA) {
      writeSequenceOutput(info.name, out[o], out[o + 1], outDir);
      ++o; // its shape table
      continue;
    }
    const kiln_tensor *t = out[o];
    Checksum c = checksum(kiln_tensor_dtype(t), kiln_tensor_data(t), kiln_tensor_num_elements(t));
    std::printf("output '%s': dims %s dtype %s sum %.17g abs_sum %.17g\n", info.name,
                dimsString(kiln_tensor_dims(t), kiln_tensor_rank(t)).c_str(),
                kiln_dtype_name(kiln_tensor_dtype(t)), c.sum, c.absSum);
    if (!outDir.empty())
      writeTensorNpy(outDir + "/" + fileNameFor(info.name) + ".npy", t);
  }
  std::printf("runs %d threads %d mean %.3f ms\n", repeat, kiln_session_num_threads(session.get()),
              totalMs / repeat);
  if (vm.count("profile"))
    printProfile(session.get(), vm["profile-top"].as<size_t>());
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  po::options_description visible("kiln-run MODEL.so [options]");
  visible.add_options()("help,h", "show this help")(
      "input,i", po::value<std::vector<std::string>>(),
      "NAME=FILE (.npy or TensorProto .pb), one per model input; repeatable")(
      "absent", po::value<std::vector<std::string>>(),
      "NAME: leave the optional input NAME absent; repeatable")(
      "random-inputs", "random data (fixed seed) for the inputs no --input gives")(
      "output-dir,o", po::value<std::string>(), "write outputs as NAME.npy here")(
      "threads,t", po::value<int32_t>()->default_value(0), "threads (0 = all cores)")(
      "batch,b", po::value<int64_t>()->default_value(1),
      "with --random-inputs: their batch (dynamic) dims")(
      "repeat,r", po::value<int>()->default_value(1), "number of runs")(
      "profile", "print the time of each kernel (models compiled with `kilnc --profile`)")(
      "profile-top", po::value<size_t>()->default_value(0),
      "with --profile: print the N slowest kernels (0 = all)");
  po::options_description all;
  all.add(visible).add_options()("model", po::value<std::string>(), "model library");
  po::positional_options_description positional;
  positional.add("model", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help") || !vm.count("model")) {
      std::cout << visible << "\n";
      return vm.count("help") ? 0 : 1;
    }
    if (vm["batch"].as<int64_t>() < 0)
      throw ToolError("--batch must be >= 0");
    return run(vm);
  } catch (const std::exception &e) {
    std::cerr << "kiln-run: " << e.what() << "\n";
  }
  return 1;
}
