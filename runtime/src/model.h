//===- model.h - The kiln_model object --------------------------*- C++ -*-===//
//
// Part of Kiln. A loaded model library: its entry points and a copy of its
// description, normalized (dim_params never NULL) and validated at load time.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_MODEL_H
#define KILN_RUNTIME_SRC_MODEL_H

#include "kiln/model_abi.h"
#include "kiln/runtime.h"

#include <atomic>
#include <string>
#include <vector>

namespace kiln::runtime {

using GetInfoFn = const kiln_model_info *(*)();
using OutputDimsFn = int32_t (*)(const kiln_model_buffer *, int64_t *const *,
                                 kiln_model_error *);
using RunFn = int32_t (*)(const kiln_host_hooks *, const kiln_model_buffer *,
                          const kiln_model_buffer *, void *, kiln_model_error *);
using RunProfiledFn = int32_t (*)(const kiln_host_hooks *, const kiln_profile_hooks *,
                                  const kiln_model_buffer *, const kiln_model_buffer *, void *,
                                  kiln_model_error *);

/// One timed kernel of a profiled model (strings owned by the model library).
struct ProfileKernel {
  const char *kernel, *nodes, *opTypes;
};

/// One input or output, owned by the runtime.
struct TensorDesc {
  std::string name;
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  std::vector<std::string> dimParams;
  std::vector<const char *> dimParamPtrs; // into dimParams, for kiln_tensor_info
  /// Per dim: index into kiln_model::dimParamNames, or -1 when unnamed.
  std::vector<int32_t> dimParamIds;
  /// An optional input: kiln_session_run takes a NULL tensor for it (absent).
  bool optional = false;
  /// kiln_model_value_kind: a tensor, or the data or shape table of a sequence.
  int32_t kind = KILN_MODEL_VALUE_TENSOR;
};

} // namespace kiln::runtime

struct kiln_model {
  std::atomic<int> refs{1};
  void *handle = nullptr;
  std::string path;
  kiln::runtime::OutputDimsFn outputDims = nullptr;
  kiln::runtime::RunFn run = nullptr;
  /// Set for models compiled with --profile (optional symbols).
  kiln::runtime::RunProfiledFn runProfiled = nullptr;
  std::vector<kiln::runtime::ProfileKernel> profileKernels;

  std::vector<kiln::runtime::TensorDesc> inputs, outputs;
  /// Distinct dim_param names over the inputs.
  std::vector<std::string> dimParamNames;
  std::string modelName, compiler, targetCpu;
  /// The device the model's code runs on (kiln_model_info.device); one this
  /// runtime supports, or the load fails.
  kiln_device_kind_t deviceKind = KILN_DEVICE_HOST;
  uint64_t arenaBaseBytes = 0, arenaPerBatchBytes = 0, intermediatesBytes = 0;
  /// The batch dimension (first dynamic dim of the first input that has one),
  /// or -1 when every input shape is static.
  int32_t batchInput = -1, batchDim = -1;

  ~kiln_model();
};

#endif // KILN_RUNTIME_SRC_MODEL_H
