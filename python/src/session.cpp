//===- session.cpp - kiln._kiln.Model and kiln._kiln.Session ----*- C++ -*-===//
//
// Part of Kiln's Python extension. See session.h.
//
//===----------------------------------------------------------------------===//

#include "session.h"
#include "arrays.h"
#include "errors.h"

#include "kiln/model_abi.h"

#include <memory>

using namespace kiln::python;

namespace {
using InfoGetter = kiln_status *(*)(const kiln_model *, size_t, kiln_tensor_info *);

nb::list describe(const kiln_model *model, size_t count, InfoGetter get, bool inputs) {
  nb::list result;
  for (size_t i = 0; i < count; ++i) {
    kiln_tensor_info info;
    check(get(model, i, &info));
    nb::list dims, params;
    for (int32_t d = 0; d < info.rank; ++d) {
      dims.append(info.dims[d]);
      params.append(info.dim_params[d]);
    }
    bool optional = inputs && kiln_model_input_is_optional(model, i);
    int32_t kind = inputs ? kiln_model_input_kind(model, i) : kiln_model_output_kind(model, i);
    result.append(
        nb::make_tuple(info.name, info.dtype, nb::tuple(dims), nb::tuple(params), optional, kind));
  }
  return result;
}

std::vector<ValueInfo> valueInfos(const kiln_model *model, size_t count, InfoGetter get,
                                  bool inputs) {
  std::vector<ValueInfo> values(count);
  for (size_t i = 0; i < count; ++i) {
    kiln_tensor_info info;
    check(get(model, i, &info));
    ValueInfo &v = values[i];
    v.utf8 = info.name;
    v.name = nb::str(info.name);
    v.dtype = info.dtype;
    v.kind = inputs ? kiln_model_input_kind(model, i) : kiln_model_output_kind(model, i);
    v.optional = inputs && kiln_model_input_is_optional(model, i);
    if (v.kind == KILN_MODEL_VALUE_SEQUENCE_SHAPES && i > 0 && info.rank == 2)
      values[i - 1].sequenceRank = static_cast<int32_t>(info.dims[1]);
  }
  return values;
}

/// Packs sequence input `data` (a list of arrays) into its two tensors.
void packSequence(const ValueInfo &data, PyObject *value, std::vector<InputTensor> &held,
                  const kiln_tensor **ins) {
  if (!PyList_Check(value) && !PyTuple_Check(value))
    raiseError(KILN_STATUS_INVALID_ARGUMENT,
               "input '" + data.utf8 + "' is a sequence: give a list of arrays");
  nb::object items = nb::borrow(value);
  size_t count = static_cast<size_t>(PySequence_Size(value));
  std::vector<InputTensor> elements;
  std::vector<const kiln_tensor *> pointers;
  elements.reserve(count);
  for (size_t k = 0; k < count; ++k) {
    nb::object item = items[k];
    elements.push_back(wrapInput(data.utf8.c_str(), item.ptr(), data.dtype));
    pointers.push_back(elements.back().tensor);
  }
  InputTensor packed, shapes;
  check(kiln_sequence_pack(pointers.data(), count, data.dtype, data.sequenceRank, &packed.tensor,
                           &shapes.tensor));
  ins[0] = packed.tensor;
  ins[1] = shapes.tensor;
  held.push_back(std::move(packed));
  held.push_back(std::move(shapes));
}

/// The elements of a sequence output, each a numpy array owning its tensor.
nb::list unpackSequence(const kiln_tensor *data, const kiln_tensor *shapes) {
  size_t count = 0;
  check(kiln_sequence_unpack(data, shapes, nullptr, 0, &count));
  OwnedTensors elements(count);
  check(kiln_sequence_unpack(data, shapes, elements.tensors.data(), count, &count));
  nb::list result;
  for (size_t k = 0; k < count; ++k)
    result.append(nb::steal(toNumpy(elements.take(k))));
  return result;
}

[[noreturn]] void raiseUnknownInputs(nb::handle feeds, const std::vector<ValueInfo> &inputs) {
  std::string unknown, known;
  for (nb::handle key : nb::borrow<nb::dict>(feeds).keys()) {
    bool found = false;
    for (const ValueInfo &v : inputs)
      found |= v.kind != KILN_MODEL_VALUE_SEQUENCE_SHAPES && nb::str(key).equal(v.name);
    if (!found)
      unknown += (unknown.empty() ? "'" : ", '") + std::string(nb::str(key).c_str()) + "'";
  }
  for (const ValueInfo &v : inputs)
    if (v.kind != KILN_MODEL_VALUE_SEQUENCE_SHAPES)
      known += (known.empty() ? "'" : ", '") + v.utf8 + "'";
  raiseError(KILN_STATUS_INVALID_ARGUMENT,
             "unknown inputs " + unknown + "; the model's inputs are " + known);
}
} // namespace

Model::Model(const std::string &path) : model_(nullptr) {
  kiln_status *status;
  {
    nb::gil_scoped_release release;
    status = kiln_model_load(path.c_str(), nullptr, &model_);
  }
  check(status);
}

Model::Model(const Model &other) : model_(other.model_) { kiln_model_retain(model_); }

Model::~Model() { kiln_model_release(model_); }

nb::list Model::inputs() const {
  return describe(model_, kiln_model_num_inputs(model_), kiln_model_input_info, true);
}

nb::list Model::outputs() const {
  return describe(model_, kiln_model_num_outputs(model_), kiln_model_output_info, false);
}

nb::dict Model::metadata() const {
  kiln_model_metadata m;
  check(kiln_model_get_metadata(model_, &m));
  nb::dict d;
  d["model_name"] = m.model_name;
  d["compiler"] = m.compiler;
  d["target_cpu"] = m.target_cpu;
  d["path"] = m.path;
  d["arena_base_bytes"] = m.arena_base_bytes;
  d["arena_per_batch_bytes"] = m.arena_per_batch_bytes;
  d["intermediates_bytes"] = m.intermediates_bytes;
  return d;
}

std::string Model::device() const { return kiln_device_kind_name(kiln_model_device_kind(model_)); }

Session::Session(const Model &model, int32_t threads) {
  kiln_session_options options;
  kiln_session_options_initialize(&options);
  options.num_threads = threads;
  check(kiln_session_create(model.get(), &options, &session_));
  inputs_ =
      valueInfos(model.get(), kiln_model_num_inputs(model.get()), kiln_model_input_info, true);
  outputs_ =
      valueInfos(model.get(), kiln_model_num_outputs(model.get()), kiln_model_output_info, false);
}

Session::~Session() { kiln_session_release(session_); }

Model Session::model() const {
  kiln_model *m = kiln_session_model(session_);
  kiln_model_retain(m);
  return Model(m);
}

std::vector<const kiln_tensor *> kiln::python::wrapFeeds(nb::handle feedsArg,
                                                         const std::vector<ValueInfo> &inputs,
                                                         std::vector<InputTensor> &held) {
  nb::object feeds = nb::borrow(feedsArg);
  if (!PyDict_Check(feeds.ptr()))
    feeds = nb::borrow<nb::object>(reinterpret_cast<PyObject *>(&PyDict_Type))(feeds); // a mapping
  const size_t nin = inputs.size();
  held.reserve(nin);
  std::vector<const kiln_tensor *> ins(nin, nullptr);
  Py_ssize_t matched = 0;
  for (size_t i = 0; i < nin; ++i) {
    const ValueInfo &v = inputs[i];
    if (v.kind == KILN_MODEL_VALUE_SEQUENCE_SHAPES)
      continue; // packed with its data
    PyObject *value = PyDict_GetItemWithError(feeds.ptr(), v.name.ptr());
    if (!value) {
      if (PyErr_Occurred())
        throw nb::python_error();
      if (!v.optional)
        raiseError(KILN_STATUS_INVALID_ARGUMENT, "missing input '" + v.utf8 + "'");
      continue; // absent
    }
    ++matched;
    if (value == Py_None)
      continue; // absent: kiln_session_run checks that the input is optional
    if (v.kind == KILN_MODEL_VALUE_SEQUENCE_DATA) {
      packSequence(v, value, held, &ins[i]);
      continue;
    }
    held.push_back(wrapInput(v.utf8.c_str(), value, v.dtype));
    ins[i] = held.back().tensor;
  }
  if (matched != PyDict_Size(feeds.ptr()))
    raiseUnknownInputs(feeds, inputs);
  return ins;
}

nb::dict kiln::python::resultsDict(OwnedTensors &outs, const std::vector<ValueInfo> &outputs,
                                   const kiln_model *model, nb::handle outputNames) {
  nb::dict results;
  auto emit = [&](size_t o) {
    const ValueInfo &v = outputs[o];
    if (v.kind == KILN_MODEL_VALUE_SEQUENCE_DATA)
      results[v.name] = unpackSequence(outs.tensors[o], outs.tensors[o + 1]);
    else if (v.kind != KILN_MODEL_VALUE_SEQUENCE_SHAPES)
      PyDict_SetItem(results.ptr(), v.name.ptr(), nb::steal(toNumpy(outs.take(o))).ptr());
  };
  if (outputNames.is_none()) {
    for (size_t o = 0; o < outputs.size(); ++o)
      emit(o);
    return results;
  }
  for (nb::handle name : outputNames) {
    size_t index = 0;
    check(kiln_model_find_output(model, nb::str(name).c_str(), &index));
    if (outs.tensors[index] || outputs[index].kind == KILN_MODEL_VALUE_SEQUENCE_DATA)
      emit(index);
  }
  return results;
}

nb::dict Session::run(nb::handle feeds, nb::handle outputNames) {
  std::vector<InputTensor> held;
  std::vector<const kiln_tensor *> ins = wrapFeeds(feeds, inputs_, held);
  const size_t nin = inputs_.size(), nout = outputs_.size();
  OwnedTensors outs(nout);
  kiln_status *status;
  {
    nb::gil_scoped_release release;
    status = kiln_session_run(session_, ins.data(), nin, outs.tensors.data(), nout);
  }
  check(status);
  return resultsDict(outs, outputs_, kiln_session_model(session_), outputNames);
}
