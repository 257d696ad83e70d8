//===- session.cpp - kiln_session: create and run ---------------*- C++ -*-===//
//
// Part of Kiln. A session owns a TBB arena created once and a pool of run
// contexts (run_context.h): each run takes one, with its activation arena (grown on
// a larger batch and kept across runs) and aligned staging buffers for caller data
// that is not 64-byte aligned, so runs on one session may overlap.
//
//===----------------------------------------------------------------------===//

#include "session.h"
#include "device.h"
#include "status.h"
#include "tensor.h"

#include <cstring>
#include <tbb/info.h>

using namespace kiln::runtime;

kiln_session::~kiln_session() {
  contexts.clear(); // before the pool they run on
  threads.reset();
  kiln_model_release(model);
}

namespace {
bool isAligned(const void *p) { return reinterpret_cast<uintptr_t>(p) % kBufferAlignment == 0; }
} // namespace

kiln_status *kiln::runtime::prepareInputBuffers(RunContext &run, const kiln_tensor *const *inputs) {
  for (size_t i = 0; i < run.inputBuffers.size(); ++i) {
    const kiln_tensor *t = inputs[i];
    if (!t) { // an absent optional input (validateInputs allowed it)
      run.inputBuffers[i] = kiln_model_buffer{nullptr, nullptr};
      continue;
    }
    void *data = t->data;
    if (!isAligned(data) || !data) {
      if (!growBuffer(run.session->allocator, run.inputStaging[i], t->byteSize))
        return error(KILN_STATUS_RESOURCE_EXHAUSTED, "cannot allocate ", t->byteSize,
                     " bytes to align input '", run.session->model->inputs[i].name, "'");
      if (t->byteSize)
        std::memcpy(run.inputStaging[i].data, data, t->byteSize);
      data = run.inputStaging[i].data;
    }
    run.inputBuffers[i] = kiln_model_buffer{data, t->dims.data()};
  }
  return nullptr;
}

kiln_status *kiln::runtime::modelError(const kiln_model &m, int32_t rc,
                                       const kiln_model_error &err, const std::string &context) {
  // The model fills the message on failure; a hand-written model may not, and a
  // buggy one may leave it unterminated.
  std::string message(err.message, strnlen(err.message, sizeof(err.message)));
  kiln_status_code_t code = KILN_STATUS_INTERNAL;
  const char *fallback = "";
  switch (rc) {
  case KILN_MODEL_ERROR_SHAPE:
    code = KILN_STATUS_INVALID_ARGUMENT;
    fallback = "inconsistent input shapes";
    break;
  case KILN_MODEL_ERROR_INDEX:
    code = KILN_STATUS_INVALID_ARGUMENT;
    fallback = "an index is out of range";
    break;
  case KILN_MODEL_ERROR_ARITHMETIC:
    code = KILN_STATUS_INVALID_ARGUMENT;
    fallback = "integer division by zero";
    break;
  case KILN_MODEL_ERROR_MEMORY:
    code = KILN_STATUS_RESOURCE_EXHAUSTED;
    fallback = "out of scratch memory";
    break;
  default:
    break;
  }
  if (message.empty()) {
    if (code == KILN_STATUS_INTERNAL)
      return error(code, "model '", m.modelName, "' failed with code ", rc, context);
    message = fallback;
  }
  return error(code, "model '", m.modelName, "' failed: ", message, context);
}

namespace {

/// Gives the run's context back to the session's pool on every exit path.
struct RunLease {
  RunContext &run;
  ~RunLease() { releaseRunContext(run); }
};

/// Sizes the activation arena for this run's batch.
kiln_status *prepareArena(RunContext &run, const kiln_tensor *const *inputs) {
  const kiln_model &m = *run.session->model;
  uint64_t batch = 0;
  if (m.batchInput >= 0) // never an optional input, so never absent
    batch = static_cast<uint64_t>(inputs[m.batchInput]->dims[m.batchDim]);
  if (batch && m.arenaPerBatchBytes > (UINT64_MAX - m.arenaBaseBytes) / batch)
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, "arena size overflows for batch ", batch);
  uint64_t bytes = m.arenaBaseBytes + m.arenaPerBatchBytes * batch;
  if (!growArena(run, bytes))
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, "cannot allocate the activation arena of ", bytes,
                 " bytes (", m.arenaBaseBytes, " + ", m.arenaPerBatchBytes, " * batch ", batch,
                 ")");
  return nullptr;
}

/// Points the output buffers at the tensors, staging misaligned data.
kiln_status *prepareOutputBuffers(RunContext &run, kiln_tensor *const *outputs) {
  for (size_t o = 0; o < run.outputBuffers.size(); ++o) {
    kiln_tensor *t = outputs[o];
    void *data = t->data;
    if (!isAligned(data) || !data) {
      if (!growBuffer(run.session->allocator, run.outputStaging[o], t->byteSize))
        return error(KILN_STATUS_RESOURCE_EXHAUSTED, "cannot allocate ", t->byteSize,
                     " bytes to align output '", run.session->model->outputs[o].name, "'");
      data = run.outputStaging[o].data;
    }
    run.outputBuffers[o] = kiln_model_buffer{data, t->dims.data()};
  }
  return nullptr;
}

kiln_status *runValidated(RunContext &run, const kiln_tensor *const *inputs,
                          kiln_tensor **outputs) {
  const kiln_session &session = *run.session;
  const kiln_model &m = *session.model;
  for (size_t o = 0; o < m.outputs.size(); ++o) {
    if (outputs[o])
      continue;
    const std::vector<int64_t> &dims = run.outputDimStorage[o];
    if (kiln_status *st = createTensor(m.outputs[o].dtype, static_cast<int32_t>(dims.size()),
                                       dims.data(), session.allocator, &outputs[o]))
      return st;
    run.createdOutput[o] = 1;
  }
  if (kiln_status *st = prepareArena(run, inputs))
    return st;
  if (kiln_status *st = prepareOutputBuffers(run, outputs))
    return st;

  run.hookFailed.store(false, std::memory_order_relaxed);
  int32_t rc = KILN_MODEL_OK;
  kiln_model_error err{};
  auto runModel = [&] {
    if (!m.runProfiled) {
      rc = m.run(&run.hooks, run.inputBuffers.data(), run.outputBuffers.data(), run.arena.data, &err);
      return;
    }
    auto start = std::chrono::steady_clock::now();
    rc = m.runProfiled(&run.hooks, &run.profileHooks, run.inputBuffers.data(), run.outputBuffers.data(),
                       run.arena.data, &err);
    run.profiledRunNs += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                             start)
            .count());
    ++run.profiledRuns;
  };
  if (session.threads)
    session.threads->execute(runModel);
  else
    runModel();
  freeScratch(run);
  if (rc != KILN_MODEL_OK)
    return modelError(m, rc, err);
  if (run.hookFailed.load(std::memory_order_relaxed))
    return error(KILN_STATUS_INTERNAL, "model '", m.modelName,
                 "': the thread pool failed during parallel_for");
  for (size_t o = 0; o < m.outputs.size(); ++o)
    if (run.outputBuffers[o].data != outputs[o]->data && outputs[o]->byteSize)
      std::memcpy(outputs[o]->data, run.outputBuffers[o].data, outputs[o]->byteSize);
  return nullptr;
}
} // namespace

extern "C" {

void kiln_session_options_initialize(kiln_session_options *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->num_threads = 0;
  options->allocator = kiln_allocator_default();
  options->device = kiln_device_host();
}

kiln_status *kiln_session_create(kiln_model *model, const kiln_session_options *options,
                                 kiln_session **out) {
  KILN_API_GUARD_BEGIN
  if (!model || !out)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_create: model or out is NULL");
  *out = nullptr;
  kiln_session_options opts;
  kiln_session_options_initialize(&opts);
  if (options) {
    // Accept older (smaller) option structs: missing fields keep their defaults.
    if (options->struct_size < offsetof(kiln_session_options, num_threads) + sizeof(int32_t))
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_create: options->struct_size is ",
                   options->struct_size, "; call kiln_session_options_initialize");
    std::memcpy(&opts, options, std::min(options->struct_size, sizeof(opts)));
    if (!opts.allocator.alloc)
      opts.allocator = kiln_allocator_default();
  }
  if (!opts.allocator.free)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_create: allocator has no free");
  if (opts.num_threads < 0)
    return error(KILN_STATUS_INVALID_ARGUMENT,
                 "kiln_session_create: num_threads must be >= 0 (0 = all cores), got ",
                 opts.num_threads);
  // Older option structs end before `device`: the memcpy above left the default.
  if (!isKnownDeviceKind(opts.device.kind))
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_create: unknown device kind ",
                 opts.device.kind, " (known: 0 = host, 1 = cuda)");
  if (!supportsDeviceKind(opts.device.kind))
    return error(KILN_STATUS_UNAVAILABLE, "kiln_session_create: device '",
                 formatDevice(opts.device),
                 "' is not supported; this runtime runs models only on: ", supportedDeviceKinds());
  if (opts.device.kind != model->deviceKind)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_create: model '", model->modelName,
                 "' was compiled for device '", kiln_device_kind_name(model->deviceKind),
                 "', not '", kiln_device_kind_name(opts.device.kind), "'");
  if (!hasDevice(opts.device))
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_create: no device '",
                 formatDevice(opts.device), "' (the host's ordinal is 0)");

  auto s = std::make_unique<kiln_session>();
  kiln_model_retain(model);
  s->model = model;
  s->device = opts.device;
  s->allocator = opts.allocator;
  s->numThreads = opts.num_threads ? opts.num_threads : tbb::info::default_concurrency();
  if (s->numThreads > 1) {
    s->threads = std::make_unique<tbb::task_arena>(s->numThreads);
    s->threads->initialize();
  }
  // One run context up front, with the arena for batch 1; overlapping runs add more,
  // larger batches grow theirs once.
  RunContext &first = acquireRunContext(*s);
  releaseRunContext(first);
  uint64_t initial =
      model->arenaBaseBytes + (model->batchInput >= 0 ? model->arenaPerBatchBytes : 0);
  if (!growArena(first, initial))
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, "kiln_session_create: cannot allocate the ",
                 initial, "-byte activation arena");
  *out = s.release();
  return nullptr;
  KILN_API_GUARD_END("kiln_session_create")
}

void kiln_session_release(kiln_session *session) { delete session; }

kiln_status *kiln_session_run(kiln_session *session, const kiln_tensor *const *inputs,
                              size_t num_inputs, kiln_tensor **outputs, size_t num_outputs) {
  if (!session)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_run: session is NULL");
  RunContext *acquired = nullptr;
  try {
    acquired = &acquireRunContext(*session);
  } catch (...) {
    return statusFromCurrentException("kiln_session_run");
  }
  RunLease lease{*acquired};
  RunContext &run = *acquired;
  const kiln_model &m = *session->model;
  std::fill(run.createdOutput.begin(), run.createdOutput.end(), 0);
  kiln_status *st = nullptr;
  try {
    if (num_outputs != m.outputs.size())
      return error(KILN_STATUS_INVALID_ARGUMENT, "model '", m.modelName, "' has ", m.outputs.size(),
                   " outputs, got ", num_outputs);
    if (num_outputs && !outputs)
      return error(KILN_STATUS_INVALID_ARGUMENT, "outputs is NULL");
    st = validateInputs(run, inputs, num_inputs);
    if (!st)
      st = prepareInputBuffers(run, inputs);
    if (!st)
      st = computeOutputDims(run, inputs);
    if (!st)
      st = validateOutputs(run, outputs);
    if (!st)
      st = runValidated(run, inputs, outputs);
  } catch (...) {
    st = statusFromCurrentException("kiln_session_run");
    freeScratch(run);
  }
  if (st) {
    for (size_t o = 0; o < run.createdOutput.size(); ++o) {
      if (run.createdOutput[o]) {
        kiln_tensor_release(outputs[o]);
        outputs[o] = nullptr;
      }
    }
  }
  return st;
}

int32_t kiln_session_num_threads(const kiln_session *session) {
  return session ? session->numThreads : 0;
}

uint64_t kiln_session_arena_bytes(const kiln_session *session) {
  return session ? session->arenaBytes.load(std::memory_order_relaxed) : 0;
}

kiln_model *kiln_session_model(const kiln_session *session) {
  return session ? session->model : nullptr;
}

kiln_device kiln_session_device(const kiln_session *session) {
  return session ? session->device : kiln_device_host();
}

} // extern "C"
