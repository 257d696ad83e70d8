//===- model.cpp - kiln_model: loading and querying -------------*- C++ -*-===//
//
// Part of Kiln. dlopens a model library, resolves the ABI entry points, checks
// the ABI version and the device, and copies the model description.
//
//===----------------------------------------------------------------------===//

#include "model.h"
#include "device.h"
#include "status.h"

#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <sys/stat.h>

using namespace kiln::runtime;

kiln_model::~kiln_model() {
  if (handle)
    dlclose(handle);
}

namespace {
const char *orEmpty(const char *s) { return s ? s : ""; }

/// Copies and checks one descriptor; `what` is "input" or "output".
kiln_status *copyDesc(const kiln_model &model, const char *what, uint32_t index,
                      const kiln_model_tensor_desc &src, TensorDesc &dst) {
  if (!src.name)
    return error(KILN_STATUS_INVALID_ARGUMENT, "model '", model.path, "': ", what, " ", index,
                 " has no name");
  dst.name = src.name;
  if (src.rank < 0 || (src.rank > 0 && !src.dims))
    return error(KILN_STATUS_INVALID_ARGUMENT, "model '", model.path, "': ", what, " '", dst.name,
                 "' has invalid rank ", src.rank, " or NULL dims");
  if (kiln_dtype_size(src.dtype) == 0)
    return error(KILN_STATUS_UNIMPLEMENTED, "model '", model.path, "': ", what, " '", dst.name,
                 "' has dtype ", src.dtype, " (", kiln_dtype_name(src.dtype),
                 ") which the runtime does not support");
  dst.dtype = src.dtype;
  dst.optional = src.optional != 0;
  dst.dims.assign(src.dims, src.dims + src.rank);
  for (int64_t d : dst.dims)
    if (d < -1)
      return error(KILN_STATUS_INVALID_ARGUMENT, "model '", model.path, "': ", what, " '", dst.name,
                   "' has invalid dims ", formatDims(dst.dims));
  dst.dimParams.resize(src.rank);
  for (int32_t i = 0; i < src.rank; ++i)
    if (src.dim_params)
      dst.dimParams[i] = orEmpty(src.dim_params[i]);
  for (const std::string &p : dst.dimParams)
    dst.dimParamPtrs.push_back(p.c_str());
  dst.kind = src.kind;
  if (src.kind < KILN_MODEL_VALUE_TENSOR || src.kind > KILN_MODEL_VALUE_SEQUENCE_SHAPES)
    return error(KILN_STATUS_INVALID_ARGUMENT, "model '", model.path, "': ", what, " '", dst.name,
                 "' has unknown kind ", src.kind);
  return nullptr;
}

/// A sequence's data entry is followed by its shape table (model_abi.h).
kiln_status *checkSequencePairs(const kiln_model &model, const std::vector<TensorDesc> &list) {
  for (size_t i = 0; i < list.size(); ++i) {
    const TensorDesc &d = list[i];
    bool ok = true;
    if (d.kind == KILN_MODEL_VALUE_SEQUENCE_DATA)
      ok = d.dims.size() == 1 && i + 1 < list.size() &&
           list[i + 1].kind == KILN_MODEL_VALUE_SEQUENCE_SHAPES && list[i + 1].dtype == 7 &&
           list[i + 1].dims.size() == 2 && list[i + 1].dims[1] >= 0;
    else if (d.kind == KILN_MODEL_VALUE_SEQUENCE_SHAPES)
      ok = i > 0 && list[i - 1].kind == KILN_MODEL_VALUE_SEQUENCE_DATA;
    if (!ok)
      return error(KILN_STATUS_INVALID_ARGUMENT, "model '", model.path, "': sequence '", d.name,
                   "' is not a data buffer followed by an int64 [n, rank] shape table");
  }
  return nullptr;
}

int32_t internDimParam(kiln_model &model, const std::string &name) {
  for (size_t i = 0; i < model.dimParamNames.size(); ++i)
    if (model.dimParamNames[i] == name)
      return static_cast<int32_t>(i);
  model.dimParamNames.push_back(name);
  return static_cast<int32_t>(model.dimParamNames.size() - 1);
}

kiln_status *readInfo(kiln_model &model, const kiln_model_info &info) {
  if ((info.num_inputs && !info.inputs) || (info.num_outputs && !info.outputs))
    return error(KILN_STATUS_INVALID_ARGUMENT, "model '", model.path,
                 "': kiln_model_get_info has NULL input or output descriptors");
  model.inputs.resize(info.num_inputs);
  model.outputs.resize(info.num_outputs);
  for (uint32_t i = 0; i < info.num_inputs; ++i)
    if (kiln_status *s = copyDesc(model, "input", i, info.inputs[i], model.inputs[i]))
      return s;
  for (uint32_t i = 0; i < info.num_outputs; ++i) {
    if (kiln_status *s = copyDesc(model, "output", i, info.outputs[i], model.outputs[i]))
      return s;
    if (model.outputs[i].optional)
      return error(KILN_STATUS_UNIMPLEMENTED, "model '", model.path, "': output '",
                   model.outputs[i].name, "' is optional, which this runtime does not support");
  }
  for (const auto *list : {&model.inputs, &model.outputs})
    if (kiln_status *s = checkSequencePairs(model, *list))
      return s;
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    TensorDesc &in = model.inputs[i];
    for (size_t d = 0; d < in.dims.size(); ++d) {
      // Only dynamic dims take part in the dim_param consistency check.
      bool named = in.dims[d] < 0 && !in.dimParams[d].empty();
      in.dimParamIds.push_back(named ? internDimParam(model, in.dimParams[d]) : -1);
      // An optional input may be absent: the batch comes from another (model_abi.h).
      if (in.dims[d] < 0 && model.batchInput < 0 && !in.optional) {
        model.batchInput = static_cast<int32_t>(i);
        model.batchDim = static_cast<int32_t>(d);
      }
    }
  }
  model.modelName = orEmpty(info.model_name);
  model.compiler = orEmpty(info.compiler);
  model.targetCpu = orEmpty(info.target_cpu);
  model.arenaBaseBytes = info.arena_base_bytes;
  model.arenaPerBatchBytes = info.arena_per_batch_bytes;
  model.intermediatesBytes = info.intermediates_bytes;
  return nullptr;
}

void *resolve(void *handle, const char *name) {
  dlerror();
  return dlsym(handle, name);
}

/// Checks the device the model was compiled for: refused unless this runtime runs it.
kiln_status *readDevice(kiln_model &model, const kiln_model_info &info) {
  const char *name = info.model_name ? info.model_name : "";
  if (!isKnownDeviceKind(info.device))
    return error(KILN_STATUS_INVALID_ARGUMENT, "model library '", model.path, "' (model '", name,
                 "') names an unknown device kind ", info.device,
                 " in kiln_model_info.device (known: 0 = host, 1 = cuda)");
  int32_t kind = info.device;
  if (!supportsDeviceKind(kind))
    return error(KILN_STATUS_UNAVAILABLE, "model library '", model.path, "' (model '", name,
                 "') was compiled for device '", kiln_device_kind_name(kind),
                 "', but this runtime runs models only on: ", supportedDeviceKinds(),
                 "; compile it for the host (kilnc --target=cpu) or use a runtime with ",
                 kiln_device_kind_name(kind), " support");
  model.deviceKind = static_cast<kiln_device_kind_t>(kind);
  return nullptr;
}

/// Resolves the optional profiling entry points (model_abi.h); both or neither.
kiln_status *readProfileInfo(kiln_model &model) {
  using GetProfileInfoFn = const kiln_model_profile_info *(*)();
  auto getProfileInfo =
      reinterpret_cast<GetProfileInfoFn>(resolve(model.handle, "kiln_model_get_profile_info"));
  void *runProfiled = resolve(model.handle, "kiln_model_run_profiled");
  if (!getProfileInfo && !runProfiled)
    return nullptr;
  const kiln_model_profile_info *info = getProfileInfo ? getProfileInfo() : nullptr;
  if (!runProfiled || !info || (info->num_kernels && !info->kernels))
    return error(KILN_STATUS_INVALID_ARGUMENT, "model library '", model.path,
                 "' has an incomplete profiling interface (kiln_model_get_profile_info and "
                 "kiln_model_run_profiled go together)");
  model.runProfiled = reinterpret_cast<RunProfiledFn>(runProfiled);
  for (uint32_t i = 0; i < info->num_kernels; ++i) {
    const kiln_model_profile_kernel &k = info->kernels[i];
    model.profileKernels.push_back({orEmpty(k.kernel), orEmpty(k.nodes), orEmpty(k.op_types)});
  }
  return nullptr;
}

kiln_status *getInfo(const kiln_model *model, size_t index, kiln_tensor_info *info, bool input) {
  const char *fn = input ? "kiln_model_input_info" : "kiln_model_output_info";
  if (!model || !info)
    return error(KILN_STATUS_INVALID_ARGUMENT, fn, ": model or info is NULL");
  const auto &descs = input ? model->inputs : model->outputs;
  if (index >= descs.size())
    return error(KILN_STATUS_INVALID_ARGUMENT, fn, ": index ", index, " out of range, model '",
                 model->modelName, "' has ", descs.size(), input ? " inputs" : " outputs");
  const TensorDesc &d = descs[index];
  info->name = d.name.c_str();
  info->dtype = d.dtype;
  info->rank = static_cast<int32_t>(d.dims.size());
  info->dims = d.dims.data();
  info->dim_params = d.dimParamPtrs.data();
  return nullptr;
}

kiln_status *findByName(const kiln_model *model, const char *name, size_t *index, bool input) {
  const char *fn = input ? "kiln_model_find_input" : "kiln_model_find_output";
  if (!model || !name || !index)
    return error(KILN_STATUS_INVALID_ARGUMENT, fn, ": NULL argument");
  const auto &descs = input ? model->inputs : model->outputs;
  std::string known;
  for (size_t i = 0; i < descs.size(); ++i) {
    if (descs[i].name == name) {
      *index = i;
      return nullptr;
    }
    known += (i ? ", '" : "'") + descs[i].name + "'";
  }
  return error(KILN_STATUS_NOT_FOUND, "model '", model->modelName, "' has no ",
               input ? "input" : "output", " named '", name, "' (it has ", known, ")");
}
} // namespace

extern "C" {

void kiln_model_load_options_initialize(kiln_model_load_options *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}

kiln_status *kiln_model_load(const char *path, const kiln_model_load_options *options,
                             kiln_model **out) {
  KILN_API_GUARD_BEGIN
  if (!path || !out)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_model_load: path or out is NULL");
  *out = nullptr;
  if (options && options->struct_size >= sizeof(kiln_model_load_options) && options->flags)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_model_load: unknown flags ", options->flags);
  struct stat st;
  if (stat(path, &st) != 0)
    return error(KILN_STATUS_NOT_FOUND, "model library '", path, "' does not exist");

  auto model = std::make_unique<kiln_model>();
  model->path = path;
  // A bare file name would make dlopen search the library path instead of the
  // current directory, which is never what a caller naming a file means.
  std::string openPath = std::strchr(path, '/') ? std::string(path) : "./" + std::string(path);
  model->handle = dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->handle) {
    const char *why = dlerror();
    return error(KILN_STATUS_INVALID_ARGUMENT, "cannot load model library '", path,
                 "': ", why ? why : "unknown dlopen error");
  }
  void *getInfoSym = resolve(model->handle, "kiln_model_get_info");
  void *outputDimsSym = resolve(model->handle, "kiln_model_output_dims");
  void *runSym = resolve(model->handle, "kiln_model_run");
  const char *missing = !getInfoSym      ? "kiln_model_get_info"
                        : !outputDimsSym ? "kiln_model_output_dims"
                        : !runSym        ? "kiln_model_run"
                                         : nullptr;
  if (missing)
    return error(KILN_STATUS_NOT_FOUND, "model library '", path, "' does not export '", missing,
                 "' (is it a Kiln model?)");
  auto getInfo = reinterpret_cast<GetInfoFn>(getInfoSym);
  model->outputDims = reinterpret_cast<OutputDimsFn>(outputDimsSym);
  model->run = reinterpret_cast<RunFn>(runSym);

  const kiln_model_info *info = getInfo();
  if (!info)
    return error(KILN_STATUS_INVALID_ARGUMENT, "model library '", path,
                 "': kiln_model_get_info returned NULL");
  // Version 1 entry points take no kiln_model_error: calling them with one more
  // argument would work by accident in C, but the runtime could not report their
  // failures, so they are refused like any other version.
  if (info->abi_version != KILN_MODEL_ABI_VERSION)
    return error(KILN_STATUS_ABI_MISMATCH, "model library '", path,
                 "' was built for Kiln model ABI version ", info->abi_version,
                 ", but this runtime supports version ", KILN_MODEL_ABI_VERSION,
                 "; compile the model again with a kilnc of this Kiln release");
  if (kiln_status *s = readDevice(*model, *info))
    return s;
  if (kiln_status *s = readInfo(*model, *info))
    return s;
  if (kiln_status *s = readProfileInfo(*model))
    return s;
  *out = model.release();
  return nullptr;
  KILN_API_GUARD_END("kiln_model_load")
}

void kiln_model_retain(kiln_model *model) {
  if (model)
    model->refs.fetch_add(1, std::memory_order_relaxed);
}

void kiln_model_release(kiln_model *model) {
  if (model && model->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete model;
}

size_t kiln_model_num_inputs(const kiln_model *model) { return model ? model->inputs.size() : 0; }

size_t kiln_model_num_outputs(const kiln_model *model) { return model ? model->outputs.size() : 0; }

kiln_status *kiln_model_input_info(const kiln_model *model, size_t index, kiln_tensor_info *info) {
  KILN_API_GUARD_BEGIN
  return getInfo(model, index, info, /*input=*/true);
  KILN_API_GUARD_END("kiln_model_input_info")
}

int kiln_model_input_is_optional(const kiln_model *model, size_t index) {
  return model && index < model->inputs.size() && model->inputs[index].optional ? 1 : 0;
}

kiln_status *kiln_model_output_info(const kiln_model *model, size_t index, kiln_tensor_info *info) {
  KILN_API_GUARD_BEGIN
  return getInfo(model, index, info, /*input=*/false);
  KILN_API_GUARD_END("kiln_model_output_info")
}

kiln_status *kiln_model_find_input(const kiln_model *model, const char *name, size_t *index) {
  KILN_API_GUARD_BEGIN
  return findByName(model, name, index, /*input=*/true);
  KILN_API_GUARD_END("kiln_model_find_input")
}

kiln_status *kiln_model_find_output(const kiln_model *model, const char *name, size_t *index) {
  KILN_API_GUARD_BEGIN
  return findByName(model, name, index, /*input=*/false);
  KILN_API_GUARD_END("kiln_model_find_output")
}

kiln_status *kiln_model_get_metadata(const kiln_model *model, kiln_model_metadata *metadata) {
  if (!model || !metadata)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_model_get_metadata: NULL argument");
  metadata->model_name = model->modelName.c_str();
  metadata->compiler = model->compiler.c_str();
  metadata->target_cpu = model->targetCpu.c_str();
  metadata->path = model->path.c_str();
  metadata->arena_base_bytes = model->arenaBaseBytes;
  metadata->arena_per_batch_bytes = model->arenaPerBatchBytes;
  metadata->intermediates_bytes = model->intermediatesBytes;
  return nullptr;
}

kiln_device_kind_t kiln_model_device_kind(const kiln_model *model) {
  return model ? model->deviceKind : KILN_DEVICE_HOST;
}

} // extern "C"
