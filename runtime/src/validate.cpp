//===- validate.cpp - Checks run before a model runs ------------*- C++ -*-===//
//
// Part of Kiln. Every message says what was expected and what was given, and
// names the input or output, e.g. "input 'x' dim 1: expected 3, got 4".
//
//===----------------------------------------------------------------------===//

#include "device.h"
#include "session.h"
#include "status.h"
#include "tensor.h"

#include <algorithm>
#include <string>

using namespace kiln::runtime;

namespace {
std::string describeInputs(const kiln_model &model, const kiln_tensor *const *inputs) {
  std::string s;
  for (size_t i = 0; i < model.inputs.size(); ++i)
    s += (i ? ", '" : "'") + model.inputs[i].name + "' " +
         (inputs[i] ? formatDims(inputs[i]->dims) : std::string("absent"));
  return s;
}
} // namespace

kiln_status *kiln::runtime::validateInputs(RunContext &run, const kiln_tensor *const *inputs,
                                           size_t numInputs) {
  const kiln_session &session = *run.session;
  const kiln_model &model = *session.model;
  if (numInputs != model.inputs.size())
    return error(KILN_STATUS_INVALID_ARGUMENT, "model '", model.modelName, "' expects ",
                 model.inputs.size(), " inputs, got ", numInputs);
  if (numInputs && !inputs)
    return error(KILN_STATUS_INVALID_ARGUMENT, "inputs is NULL");
  std::fill(run.paramValues.begin(), run.paramValues.end(), -1);
  for (size_t i = 0; i < numInputs; ++i) {
    const TensorDesc &desc = model.inputs[i];
    const kiln_tensor *t = inputs[i];
    if (!t && desc.optional)
      continue; // an absent optional input
    if (!t)
      return error(KILN_STATUS_INVALID_ARGUMENT, "input '", desc.name, "' (index ", i,
                   "): tensor is NULL, but only an optional input may be absent");
    if (t->dtype != desc.dtype)
      return error(KILN_STATUS_INVALID_ARGUMENT, "input '", desc.name, "': expected dtype ",
                   kiln_dtype_name(desc.dtype), ", got ", kiln_dtype_name(t->dtype));
    if (t->device != session.device)
      return error(KILN_STATUS_INVALID_ARGUMENT, "input '", desc.name, "': expected a tensor on ",
                   formatDevice(session.device), ", got one on ", formatDevice(t->device));
    if (t->dims.size() != desc.dims.size())
      return error(KILN_STATUS_INVALID_ARGUMENT, "input '", desc.name, "': expected rank ",
                   desc.dims.size(), " ", formatDims(desc.dims), ", got rank ", t->dims.size(), " ",
                   formatDims(t->dims));
    for (size_t d = 0; d < desc.dims.size(); ++d) {
      int64_t got = t->dims[d];
      if (desc.dims[d] >= 0 && got != desc.dims[d])
        return error(KILN_STATUS_INVALID_ARGUMENT, "input '", desc.name, "' dim ", d, ": expected ",
                     desc.dims[d], ", got ", got);
      int32_t id = desc.dimParamIds[d];
      if (id < 0)
        continue;
      int64_t &seen = run.paramValues[id];
      if (seen < 0) {
        seen = got;
        run.paramSource[id] = static_cast<int32_t>(i);
      } else if (seen != got) {
        return error(KILN_STATUS_INVALID_ARGUMENT, "input '", desc.name, "' dim ", d, " ('",
                     desc.dimParams[d], "'): expected ", seen, " (as in input '",
                     model.inputs[run.paramSource[id]].name, "'), got ", got);
      }
    }
  }
  return nullptr;
}

kiln_status *kiln::runtime::computeOutputDims(RunContext &run, const kiln_tensor *const *inputs) {
  const kiln_model &model = *run.session->model;
  for (auto &dims : run.outputDimStorage)
    std::fill(dims.begin(), dims.end(), -1);
  kiln_model_error err{};
  int32_t rc = model.outputDims(run.inputBuffers.data(), run.outputDims.data(), &err);
  if (rc != KILN_MODEL_OK)
    return modelError(model, rc, err, " (inputs " + describeInputs(model, inputs) + ")");
  for (size_t o = 0; o < model.outputs.size(); ++o) {
    const TensorDesc &desc = model.outputs[o];
    const std::vector<int64_t> &got = run.outputDimStorage[o];
    for (size_t d = 0; d < got.size(); ++d)
      if (got[d] < 0 || (desc.dims[d] >= 0 && got[d] != desc.dims[d]))
        return error(KILN_STATUS_INTERNAL, "model '", model.modelName,
                     "': kiln_model_output_dims gave output '", desc.name, "' dims ",
                     formatDims(got), " which do not fit its declared dims ",
                     formatDims(desc.dims));
  }
  return nullptr;
}

kiln_status *kiln::runtime::validateOutputs(RunContext &run, kiln_tensor *const *outputs) {
  const kiln_session &session = *run.session;
  const kiln_model &model = *session.model;
  for (size_t o = 0; o < model.outputs.size(); ++o) {
    const kiln_tensor *t = outputs[o];
    if (!t)
      continue;
    const TensorDesc &desc = model.outputs[o];
    const std::vector<int64_t> &want = run.outputDimStorage[o];
    if (t->dtype != desc.dtype)
      return error(KILN_STATUS_INVALID_ARGUMENT, "output '", desc.name, "': expected dtype ",
                   kiln_dtype_name(desc.dtype), ", got ", kiln_dtype_name(t->dtype));
    if (t->dims != want)
      return error(KILN_STATUS_INVALID_ARGUMENT, "output '", desc.name, "': expected dims ",
                   formatDims(want), ", got ", formatDims(t->dims));
    if (t->device != session.device)
      return error(KILN_STATUS_INVALID_ARGUMENT, "output '", desc.name, "': expected a tensor on ",
                   formatDevice(session.device), ", got one on ", formatDevice(t->device));
  }
  return nullptr;
}
