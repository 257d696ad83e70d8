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
#include "kiln/model_abi.h"
#include "kiln/runtime.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

/// ONNX value names may hold '/', ':' and the like; keep file names portable.
static std::string fileNameFor(const char *name) {
  std::string out(name);
  for (char &c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
      c = '_';
  return out;
}


namespace po = boost::program_options;
using namespace kiln::tools;

namespace {
struct Error {
  std::string message;
};

void check(kiln_status *status) {
  if (!status)
    return;
  Error e{kiln_status_message(status)};
  kiln_status_free(status);
  throw e;
}

void check(const std::string &error) {
  if (!error.empty())
    throw Error{error};
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string dimsString(const int64_t *dims, int32_t rank) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

struct TensorDeleter {
  void operator()(kiln_tensor *t) const { kiln_tensor_release(t); }
};
using TensorPtr = std::unique_ptr<kiln_tensor, TensorDeleter>;

TensorPtr makeTensor(int32_t dtype, const std::vector<int64_t> &dims) {
  kiln_tensor *t = nullptr;
  check(kiln_tensor_create(dtype, static_cast<int32_t>(dims.size()), dims.data(), nullptr, &t));
  return TensorPtr(t);
}

std::string dimsString(const kiln_tensor_info &info) {
  std::string s = "[";
  for (int32_t i = 0; i < info.rank; ++i)
    s += (i ? "," : "") + (info.dims[i] >= 0       ? std::to_string(info.dims[i])
                           : info.dim_params[i][0] ? std::string(info.dim_params[i])
                                                   : std::string("?"));
  return s + "]";
}

/// "'a', 'b'": the model's input names, for messages.
std::string inputNames(kiln_model *model) {
  std::string names;
  for (size_t i = 0, n = kiln_model_num_inputs(model); i < n; ++i) {
    kiln_tensor_info info;
    check(kiln_model_input_info(model, i, &info));
    names += (i ? ", '" : "'") + std::string(info.name) + "'";
  }
  return names.empty() ? "none" : names;
}

/// The element rank of the sequence whose data is input `index` (its shape table is
/// input index + 1, [n, rank]).
int32_t sequenceRank(kiln_model *model, size_t index) {
  kiln_tensor_info shapes;
  check(kiln_model_input_info(model, index + 1, &shapes));
  return static_cast<int32_t>(shapes.dims[1]);
}

/// Packs `elements` into inputs `index` (data) and `index` + 1 (shape table).
void packSequence(const std::vector<TensorPtr> &elements, int32_t dtype, int32_t rank,
                  size_t index, std::vector<TensorPtr> &inputs) {
  std::vector<const kiln_tensor *> raw;
  for (const TensorPtr &t : elements)
    raw.push_back(t.get());
  kiln_tensor *data = nullptr, *shapes = nullptr;
  check(kiln_sequence_pack(raw.data(), raw.size(), dtype, rank, &data, &shapes));
  inputs[index].reset(data);
  inputs[index + 1].reset(shapes);
}

/// Reads sequence input `index` from an onnx.SequenceProto file.
void readSequenceInput(kiln_model *model, size_t index, const std::string &spec,
                       const std::string &file, std::vector<TensorPtr> &inputs) {
  kiln_tensor_info info;
  check(kiln_model_input_info(model, index, &info));
  int32_t rank = sequenceRank(model, index);
  if (!endsWith(file, ".pb"))
    throw Error{"--input " + spec + ": input '" + info.name +
                "' is a sequence; give an onnx.SequenceProto .pb file"};
  std::vector<HostTensor> hosts;
  std::string error = readSequenceProto(file, hosts);
  if (!error.empty())
    throw Error{"--input " + spec + ": " + error};
  std::vector<TensorPtr> elements;
  for (size_t k = 0; k < hosts.size(); ++k) {
    const HostTensor &host = hosts[k];
    if (host.dtype != info.dtype || static_cast<int32_t>(host.dims.size()) != rank)
      throw Error{"--input " + spec + ": element " + std::to_string(k) + " is " +
                  kiln_dtype_name(host.dtype) + " " +
                  dimsString(host.dims.data(), static_cast<int32_t>(host.dims.size())) +
                  ", but input '" + info.name + "' is a sequence of " +
                  kiln_dtype_name(info.dtype) + " tensors of rank " + std::to_string(rank)};
    elements.push_back(makeTensor(host.dtype, host.dims));
    if (!host.data.empty())
      std::memcpy(kiln_tensor_data(elements.back().get()), host.data.data(), host.data.size());
  }
  packSequence(elements, info.dtype, rank, index, inputs);
}

/// A random sequence for input `index`: `batch` elements whose dims are all 1.
void randomSequence(kiln_model *model, size_t index, int64_t batch,
                    std::vector<TensorPtr> &inputs) {
  kiln_tensor_info info;
  check(kiln_model_input_info(model, index, &info));
  int32_t rank = sequenceRank(model, index);
  std::vector<TensorPtr> elements;
  for (int64_t k = 0; k < batch; ++k) {
    elements.push_back(makeTensor(info.dtype, std::vector<int64_t>(rank, 1)));
    fillRandom(info.dtype, kiln_tensor_data(elements.back().get()), 1, 0x6b696c6e + index + k);
  }
  packSequence(elements, info.dtype, rank, index, inputs);
}

/// Builds the model's inputs from files (NAME=FILE) and, with `random`, random data
/// for the inputs not given; the optional inputs named in `absent` stay NULL.
std::vector<TensorPtr> buildInputs(kiln_model *model, const std::vector<std::string> &specs,
                                   const std::vector<std::string> &absent, bool random,
                                   int64_t batch) {
  size_t n = kiln_model_num_inputs(model);
  std::vector<TensorPtr> inputs(n);
  std::vector<std::string> sources(n); // the --input that gave each one
  std::vector<bool> isAbsent(n, false);
  for (const std::string &name : absent) {
    size_t index = 0;
    if (kiln_status *status = kiln_model_find_input(model, name.c_str(), &index)) {
      kiln_status_free(status);
      throw Error{"--absent " + name + ": the model has no input '" + name +
                  "'; its inputs are " + inputNames(model)};
    }
    if (!kiln_model_input_is_optional(model, index))
      throw Error{"--absent " + name + ": input '" + name +
                  "' is not optional, only an optional input may be absent"};
    isAbsent[index] = true;
  }
  // Named dynamic dims fixed by the files, which random inputs sharing them follow.
  std::map<std::string, int64_t> bound;
  for (const std::string &spec : specs) {
    HostTensor host;
    size_t eq = spec.find('=');
    std::string file = eq == std::string::npos ? spec : spec.substr(eq + 1);
    if (eq != std::string::npos) {
      size_t index = 0;
      std::string name = spec.substr(0, eq);
      kiln_status *status = kiln_model_find_input(model, name.c_str(), &index);
      kiln_status_free(status);
      if (!status && kiln_model_input_kind(model, index) == KILN_MODEL_VALUE_SEQUENCE_DATA) {
        if (inputs[index])
          throw Error{"--input " + spec + ": input '" + name + "' is already given by --input " +
                      sources[index]};
        readSequenceInput(model, index, spec, file, inputs);
        sources[index] = sources[index + 1] = spec;
        continue;
      }
    }
    std::string error = endsWith(file, ".pb") ? readTensorProto(file, host) : readNpy(file, host);
    if (!error.empty())
      throw Error{"--input " + spec + ": " + error};
    std::string name = eq == std::string::npos ? host.name : spec.substr(0, eq);
    if (name.empty())
      throw Error{"--input " + spec + ": give NAME=FILE (the file names no input)"};
    size_t index = 0;
    if (kiln_status *status = kiln_model_find_input(model, name.c_str(), &index)) {
      kiln_status_free(status);
      throw Error{"--input " + spec + ": the model has no input '" + name + "'; its inputs are " +
                  inputNames(model)};
    }
    if (inputs[index])
      throw Error{"--input " + spec + ": input '" + name + "' is already given by --input " +
                  sources[index]};
    if (isAbsent[index])
      throw Error{"--input " + spec + ": input '" + name + "' is also given as --absent"};
    // The runtime checks dims (with the dim_params inputs share) when the model runs;
    // dtype and rank are checked here, where the message can name the file.
    kiln_tensor_info info;
    check(kiln_model_input_info(model, index, &info));
    if (host.dtype != info.dtype || static_cast<int32_t>(host.dims.size()) != info.rank)
      throw Error{"--input " + spec + ": the file holds " + kiln_dtype_name(host.dtype) + " " +
                  dimsString(host.dims.data(), static_cast<int32_t>(host.dims.size())) +
                  ", but input '" + name + "' is " + kiln_dtype_name(info.dtype) + " " +
                  dimsString(info)};
    for (int32_t d = 0; d < info.rank; ++d)
      if (info.dims[d] < 0 && info.dim_params[d][0])
        bound.emplace(info.dim_params[d], host.dims[d]);
    inputs[index] = makeTensor(host.dtype, host.dims);
    sources[index] = spec;
    if (!host.data.empty()) // an empty tensor may have no data pointer at all
      std::memcpy(kiln_tensor_data(inputs[index].get()), host.data.data(), host.data.size());
  }
  std::string batchParam, missing;
  for (size_t i = 0; i < n; ++i) {
    kiln_tensor_info info;
    check(kiln_model_input_info(model, i, &info));
    for (int32_t d = 0; d < info.rank && batchParam.empty(); ++d)
      if (info.dims[d] < 0 && info.dim_params[d][0])
        batchParam = info.dim_params[d];
    if (inputs[i] || isAbsent[i])
      continue;
    if (!random) {
      if (kiln_model_input_kind(model, i) == KILN_MODEL_VALUE_SEQUENCE_SHAPES)
        continue; // named with its data
      missing += (missing.empty() ? "'" : ", '") + std::string(info.name) + "'";
      continue;
    }
    if (kiln_model_input_kind(model, i) == KILN_MODEL_VALUE_SEQUENCE_DATA) {
      randomSequence(model, i, batch, inputs);
      continue;
    }
    std::vector<int64_t> dims(info.dims, info.dims + info.rank);
    for (int32_t d = 0; d < info.rank; ++d) {
      if (dims[d] >= 0)
        continue;
      auto it = bound.find(info.dim_params[d]);
      if (it != bound.end())
        dims[d] = it->second;
      else
        dims[d] = d == 0 || (!batchParam.empty() && batchParam == info.dim_params[d]) ? batch : 1;
    }
    inputs[i] = makeTensor(info.dtype, dims);
    fillRandom(info.dtype, kiln_tensor_data(inputs[i].get()),
               kiln_tensor_num_elements(inputs[i].get()), 0x6b696c6e + i);
  }
  if (!missing.empty())
    throw Error{"no --input for " + missing +
                " (give NAME=FILE, or --random-inputs for random data)"};
  return inputs;
}

/// Prints the session's per-kernel profile, slowest first (`top` rows; 0 = all).
void printProfile(kiln_session *session, size_t top) {
  size_t n = kiln_model_num_profile_kernels(kiln_session_model(session));
  if (n == 0)
    throw Error{"--profile: the model has no profile; compile it with `kilnc --profile`"};
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
  size_t count = 0;
  check(kiln_sequence_unpack(data, shapes, nullptr, 0, &count));
  std::vector<kiln_tensor *> raw(count, nullptr);
  check(kiln_sequence_unpack(data, shapes, raw.data(), raw.size(), &count));
  std::vector<TensorPtr> elements;
  for (kiln_tensor *t : raw)
    elements.emplace_back(t);
  Checksum c = checksum(kiln_tensor_dtype(data), kiln_tensor_data(data),
                        kiln_tensor_num_elements(data));
  std::printf("output '%s': sequence of %zu dtype %s sum %.17g abs_sum %.17g\n", name, count,
              kiln_dtype_name(kiln_tensor_dtype(data)), c.sum, c.absSum);
  if (outDir.empty())
    return;
  std::string dir = outDir + "/" + fileNameFor(name) + ".seq";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw Error{"cannot create '" + dir + "': " + ec.message()};
  for (size_t k = 0; k < count; ++k) {
    const kiln_tensor *t = elements[k].get();
    std::vector<int64_t> dims(kiln_tensor_dims(t), kiln_tensor_dims(t) + kiln_tensor_rank(t));
    check(writeNpy(dir + "/" + std::to_string(k) + ".npy", kiln_tensor_dtype(t), dims,
                   kiln_tensor_data(t), kiln_tensor_byte_size(t)));
  }
}

int run(const po::variables_map &vm) {
  kiln_model *rawModel = nullptr;
  check(kiln_model_load(vm["model"].as<std::string>().c_str(), nullptr, &rawModel));
  std::unique_ptr<kiln_model, void (*)(kiln_model *)> model(rawModel, kiln_model_release);

  std::vector<std::string> specs;
  if (vm.count("input"))
    specs = vm["input"].as<std::vector<std::string>>();
  std::vector<std::string> absent;
  if (vm.count("absent"))
    absent = vm["absent"].as<std::vector<std::string>>();
  std::vector<TensorPtr> inputs = buildInputs(model.get(), specs, absent,
                                              vm.count("random-inputs") > 0,
                                              vm["batch"].as<int64_t>());

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
    if (!outDir.empty()) {
      std::vector<int64_t> dims(kiln_tensor_dims(t), kiln_tensor_dims(t) + kiln_tensor_rank(t));
      check(writeNpy(outDir + "/" + fileNameFor(info.name) + ".npy", kiln_tensor_dtype(t), dims,
                     kiln_tensor_data(t), kiln_tensor_byte_size(t)));
    }
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
      throw Error{"--batch must be >= 0"};
    return run(vm);
  } catch (const Error &e) {
    std::cerr << "kiln-run: " << e.message << "\n";
  } catch (const std::exception &e) {
    std::cerr << "kiln-run: " << e.what() << "\n";
  }
  return 1;
}
