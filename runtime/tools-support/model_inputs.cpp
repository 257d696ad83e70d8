//===- model_inputs.cpp - A model's inputs from files, shapes, random data ===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "host_tensor.h"
#include "model_io.h"

#include "kiln/model_abi.h"

#include <cstring>

using namespace kiln::tools;

void kiln::tools::check(kiln_status *status) {
  if (!status)
    return;
  ToolError e(kiln_status_message(status));
  kiln_status_free(status);
  throw e;
}

void kiln::tools::check(const std::string &error) {
  if (!error.empty())
    throw ToolError(error);
}

TensorPtr kiln::tools::makeTensor(int32_t dtype, const std::vector<int64_t> &dims) {
  kiln_tensor *t = nullptr;
  check(kiln_tensor_create(dtype, static_cast<int32_t>(dims.size()), dims.data(), nullptr, &t));
  return TensorPtr(t);
}

std::string kiln::tools::dimsString(const int64_t *dims, int32_t rank) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string kiln::tools::dimsString(const kiln_tensor_info &info) {
  std::string s = "[";
  for (int32_t i = 0; i < info.rank; ++i)
    s += (i ? "," : "") + (info.dims[i] >= 0       ? std::to_string(info.dims[i])
                           : info.dim_params[i][0] ? std::string(info.dim_params[i])
                                                   : std::string("?"));
  return s + "]";
}

namespace {
bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
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

/// The index of input `name`, or an error that starts with `flag` and lists the inputs.
size_t findInput(kiln_model *model, const std::string &name, const std::string &flag) {
  size_t index = 0;
  if (kiln_status *status = kiln_model_find_input(model, name.c_str(), &index)) {
    kiln_status_free(status);
    throw ToolError(flag + ": the model has no input '" + name + "'; its inputs are " +
                    inputNames(model));
  }
  return index;
}

/// The element rank of the sequence whose data is input `index` (its shape table is
/// input index + 1, [n, rank]).
int32_t sequenceRank(kiln_model *model, size_t index) {
  kiln_tensor_info shapes;
  check(kiln_model_input_info(model, index + 1, &shapes));
  return static_cast<int32_t>(shapes.dims[1]);
}

/// Packs `elements` into inputs `index` (data) and `index` + 1 (shape table).
void packSequence(const std::vector<TensorPtr> &elements, int32_t dtype, int32_t rank, size_t index,
                  std::vector<TensorPtr> &inputs) {
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
    throw ToolError("--input " + spec + ": input '" + info.name +
                    "' is a sequence; give an onnx.SequenceProto .pb file");
  std::vector<HostTensor> hosts;
  std::string error = readSequenceProto(file, hosts);
  if (!error.empty())
    throw ToolError("--input " + spec + ": " + error);
  std::vector<TensorPtr> elements;
  for (size_t k = 0; k < hosts.size(); ++k) {
    const HostTensor &host = hosts[k];
    if (host.dtype != info.dtype || static_cast<int32_t>(host.dims.size()) != rank)
      throw ToolError("--input " + spec + ": element " + std::to_string(k) + " is " +
                      kiln_dtype_name(host.dtype) + " " +
                      dimsString(host.dims.data(), static_cast<int32_t>(host.dims.size())) +
                      ", but input '" + info.name + "' is a sequence of " +
                      kiln_dtype_name(info.dtype) + " tensors of rank " + std::to_string(rank));
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

/// Checks `dims` (a --shape NAME=...) against input `index` and binds its named
/// dynamic dims.
void checkShape(kiln_model *model, size_t index, const std::string &name,
                const std::vector<int64_t> &dims, std::map<std::string, int64_t> &bound) {
  std::string flag = "--shape " + name;
  kiln_tensor_info info;
  check(kiln_model_input_info(model, index, &info));
  if (kiln_model_input_kind(model, index) != KILN_MODEL_VALUE_TENSOR)
    throw ToolError(flag + ": input '" + name + "' is a sequence, not a tensor");
  if (static_cast<int32_t>(dims.size()) != info.rank)
    throw ToolError(flag + ": " + std::to_string(dims.size()) + " dims, but input '" + name +
                    "' is " + dimsString(info) + " (rank " + std::to_string(info.rank) + ")");
  for (int32_t d = 0; d < info.rank; ++d) {
    if (dims[d] < 0)
      throw ToolError(flag + ": dim " + std::to_string(d) + " is negative");
    if (info.dims[d] >= 0 && info.dims[d] != dims[d])
      throw ToolError(flag + ": dim " + std::to_string(d) + " of input '" + name + "' is " +
                      std::to_string(info.dims[d]) + " in the model " + dimsString(info));
    if (info.dims[d] < 0 && info.dim_params[d][0]) {
      auto [it, added] = bound.emplace(info.dim_params[d], dims[d]);
      if (!added && it->second != dims[d])
        throw ToolError(flag + ": dim '" + it->first + "' is " + std::to_string(dims[d]) +
                        " here but " + std::to_string(it->second) +
                        " in another input given before");
    }
  }
}
} // namespace

std::vector<TensorPtr> kiln::tools::buildInputs(kiln_model *model, const InputSpec &spec) {
  size_t n = kiln_model_num_inputs(model);
  std::vector<TensorPtr> inputs(n);
  std::vector<std::string> sources(n); // the --input that gave each one
  std::vector<bool> isAbsent(n, false);
  for (const std::string &name : spec.absent) {
    size_t index = findInput(model, name, "--absent " + name);
    if (!kiln_model_input_is_optional(model, index))
      throw ToolError("--absent " + name + ": input '" + name +
                      "' is not optional, only an optional input may be absent");
    isAbsent[index] = true;
  }
  // An input that `flag` gives must not be given already, nor be absent.
  auto checkUnclaimed = [&](size_t index, const std::string &flag, const std::string &name) {
    if (inputs[index])
      throw ToolError(flag + ": input '" + name + "' is already given by --input " +
                      sources[index]);
    if (isAbsent[index])
      throw ToolError(flag + ": input '" + name + "' is also given as --absent");
  };
  // Named dynamic dims fixed by the files and shapes, which random inputs sharing them follow.
  std::map<std::string, int64_t> bound;
  for (const std::string &arg : spec.files) {
    HostTensor host;
    size_t eq = arg.find('=');
    std::string file = eq == std::string::npos ? arg : arg.substr(eq + 1);
    if (eq != std::string::npos) {
      size_t index = 0;
      std::string name = arg.substr(0, eq);
      kiln_status *status = kiln_model_find_input(model, name.c_str(), &index);
      kiln_status_free(status);
      if (!status && kiln_model_input_kind(model, index) == KILN_MODEL_VALUE_SEQUENCE_DATA) {
        checkUnclaimed(index, "--input " + arg, name);
        readSequenceInput(model, index, arg, file, inputs);
        sources[index] = sources[index + 1] = arg;
        continue;
      }
    }
    std::string error = endsWith(file, ".pb") ? readTensorProto(file, host) : readNpy(file, host);
    if (!error.empty())
      throw ToolError("--input " + arg + ": " + error);
    std::string name = eq == std::string::npos ? host.name : arg.substr(0, eq);
    if (name.empty())
      throw ToolError("--input " + arg + ": give NAME=FILE (the file names no input)");
    size_t index = findInput(model, name, "--input " + arg);
    checkUnclaimed(index, "--input " + arg, name);
    // The runtime checks dims (with the dim_params inputs share) when the model runs;
    // dtype and rank are checked here, where the message can name the file.
    kiln_tensor_info info;
    check(kiln_model_input_info(model, index, &info));
    if (host.dtype != info.dtype || static_cast<int32_t>(host.dims.size()) != info.rank)
      throw ToolError("--input " + arg + ": the file holds " + kiln_dtype_name(host.dtype) + " " +
                      dimsString(host.dims.data(), static_cast<int32_t>(host.dims.size())) +
                      ", but input '" + name + "' is " + kiln_dtype_name(info.dtype) + " " +
                      dimsString(info));
    for (int32_t d = 0; d < info.rank; ++d)
      if (info.dims[d] < 0 && info.dim_params[d][0])
        bound.emplace(info.dim_params[d], host.dims[d]);
    inputs[index] = makeTensor(host.dtype, host.dims);
    sources[index] = arg;
    if (!host.data.empty()) // an empty tensor may have no data pointer at all
      std::memcpy(kiln_tensor_data(inputs[index].get()), host.data.data(), host.data.size());
  }
  std::vector<bool> shaped(n, false);
  for (const auto &[name, dims] : spec.shapes) {
    size_t index = findInput(model, name, "--shape " + name);
    checkUnclaimed(index, "--shape " + name, name);
    checkShape(model, index, name, dims, bound);
    shaped[index] = true;
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
    if (!spec.random) {
      if (kiln_model_input_kind(model, i) == KILN_MODEL_VALUE_SEQUENCE_SHAPES)
        continue; // named with its data
      missing += (missing.empty() ? "'" : ", '") + std::string(info.name) + "'";
      continue;
    }
    if (kiln_model_input_kind(model, i) == KILN_MODEL_VALUE_SEQUENCE_DATA) {
      randomSequence(model, i, spec.batch, inputs);
      continue;
    }
    std::vector<int64_t> dims(info.dims, info.dims + info.rank);
    if (shaped[i])
      dims = spec.shapes.at(info.name);
    for (int32_t d = 0; d < info.rank; ++d) {
      if (dims[d] >= 0)
        continue;
      auto it = bound.find(info.dim_params[d]);
      if (it != bound.end())
        dims[d] = it->second;
      else
        dims[d] =
            d == 0 || (!batchParam.empty() && batchParam == info.dim_params[d]) ? spec.batch : 1;
    }
    inputs[i] = makeTensor(info.dtype, dims);
    fillRandom(info.dtype, kiln_tensor_data(inputs[i].get()),
               kiln_tensor_num_elements(inputs[i].get()), 0x6b696c6e + i);
  }
  if (!missing.empty())
    throw ToolError("no --input for " + missing +
                    " (give NAME=FILE, or --random-inputs for random data)");
  return inputs;
}
