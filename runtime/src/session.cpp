//===- session.cpp - kiln_session: create and run ---------------*- C++ -*-===//
//
// Part of Kiln. A session owns a TBB arena created once, the activation arena
// (grown on a larger batch and kept across runs) and aligned staging buffers
// for caller data that is not 64-byte aligned.
//
//===----------------------------------------------------------------------===//

#include "session.h"
#include "device.h"
#include "status.h"
#include "tensor.h"

#include <cstring>
#include <tbb/info.h>

using namespace kiln::runtime;

bool kiln::runtime::growBuffer(const kiln_allocator &allocator, GrowableBuffer &buffer,
                               size_t bytes) {
  if (buffer.data && buffer.capacity >= bytes)
    return true;
  freeBuffer(allocator, buffer);
  // Round up to the alignment so that a model may touch whole cache lines.
  size_t rounded = (std::max<size_t>(bytes, 1) + kBufferAlignment - 1) & ~(kBufferAlignment - 1);
  if (rounded < bytes)
    return false;
  buffer.data = allocator.alloc(allocator.ctx, rounded, kBufferAlignment);
  if (!buffer.data)
    return false;
  buffer.capacity = rounded;
  return true;
}

void kiln::runtime::freeBuffer(const kiln_allocator &allocator, GrowableBuffer &buffer) {
  if (buffer.data)
    allocator.free(allocator.ctx, buffer.data);
  buffer = GrowableBuffer();
}

kiln_session::~kiln_session() {
  freeScratch(*this);
  releaseCachedBlocks(*this);
  freeBuffer(allocator, arena);
  for (auto &b : inputStaging)
    freeBuffer(allocator, b);
  for (auto &b : outputStaging)
    freeBuffer(allocator, b);
  threads.reset();
  kiln_model_release(model);
}

namespace {
bool isAligned(const void *p) { return reinterpret_cast<uintptr_t>(p) % kBufferAlignment == 0; }
} // namespace

kiln_status *kiln::runtime::prepareInputBuffers(kiln_session &s, const kiln_tensor *const *inputs) {
  for (size_t i = 0; i < s.inputBuffers.size(); ++i) {
    const kiln_tensor *t = inputs[i];
    if (!t) { // an absent optional input (validateInputs allowed it)
      s.inputBuffers[i] = kiln_model_buffer{nullptr, nullptr};
      continue;
    }
    void *data = t->data;
    if (!isAligned(data) || !data) {
      if (!growBuffer(s.allocator, s.inputStaging[i], t->byteSize))
        return error(KILN_STATUS_RESOURCE_EXHAUSTED, "cannot allocate ", t->byteSize,
                     " bytes to align input '", s.model->inputs[i].name, "'");
      if (t->byteSize)
        std::memcpy(s.inputStaging[i].data, data, t->byteSize);
      data = s.inputStaging[i].data;
    }
    s.inputBuffers[i] = kiln_model_buffer{data, t->dims.data()};
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

/// Clears the session's running flag on every exit path.
struct RunGuard {
  std::atomic<bool> &flag;
  ~RunGuard() { flag.store(false, std::memory_order_release); }
};

/// Sizes the activation arena for this run's batch.
kiln_status *prepareArena(kiln_session &s, const kiln_tensor *const *inputs) {
  const kiln_model &m = *s.model;
  uint64_t batch = 0;
  if (m.batchInput >= 0) // never an optional input, so never absent
    batch = static_cast<uint64_t>(inputs[m.batchInput]->dims[m.batchDim]);
  if (batch && m.arenaPerBatchBytes > (UINT64_MAX - m.arenaBaseBytes) / batch)
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, "arena size overflows for batch ", batch);
  uint64_t bytes = m.arenaBaseBytes + m.arenaPerBatchBytes * batch;
  if (bytes > SIZE_MAX || !growBuffer(s.allocator, s.arena, static_cast<size_t>(bytes)))
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, "cannot allocate the activation arena of ", bytes,
                 " bytes (", m.arenaBaseBytes, " + ", m.arenaPerBatchBytes, " * batch ", batch,
                 ")");
  return nullptr;
}

/// Points the output buffers at the tensors, staging misaligned data.
kiln_status *prepareOutputBuffers(kiln_session &s, kiln_tensor *const *outputs) {
  for (size_t o = 0; o < s.outputBuffers.size(); ++o) {
    kiln_tensor *t = outputs[o];
    void *data = t->data;
    if (!isAligned(data) || !data) {
      if (!growBuffer(s.allocator, s.outputStaging[o], t->byteSize))
        return error(KILN_STATUS_RESOURCE_EXHAUSTED, "cannot allocate ", t->byteSize,
                     " bytes to align output '", s.model->outputs[o].name, "'");
      data = s.outputStaging[o].data;
    }
    s.outputBuffers[o] = kiln_model_buffer{data, t->dims.data()};
  }
  return nullptr;
}

kiln_status *runValidated(kiln_session &s, const kiln_tensor *const *inputs,
                          kiln_tensor **outputs) {
  const kiln_model &m = *s.model;
  for (size_t o = 0; o < m.outputs.size(); ++o) {
    if (outputs[o])
      continue;
    const std::vector<int64_t> &dims = s.outputDimStorage[o];
    if (kiln_status *st = createTensor(m.outputs[o].dtype, static_cast<int32_t>(dims.size()),
                                       dims.data(), s.allocator, &outputs[o]))
      return st;
    s.createdOutput[o] = 1;
  }
  if (kiln_status *st = prepareArena(s, inputs))
    return st;
  if (kiln_status *st = prepareOutputBuffers(s, outputs))
    return st;

  s.hookFailed.store(false, std::memory_order_relaxed);
  int32_t rc = KILN_MODEL_OK;
  kiln_model_error err{};
  auto runModel = [&] {
    if (!m.runProfiled) {
      rc = m.run(&s.hooks, s.inputBuffers.data(), s.outputBuffers.data(), s.arena.data, &err);
      return;
    }
    auto start = std::chrono::steady_clock::now();
    rc = m.runProfiled(&s.hooks, &s.profileHooks, s.inputBuffers.data(), s.outputBuffers.data(),
                       s.arena.data, &err);
    s.profiledRunNs += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                             start)
            .count());
    ++s.profiledRuns;
  };
  if (s.threads)
    s.threads->execute(runModel);
  else
    runModel();
  freeScratch(s);
  if (rc != KILN_MODEL_OK)
    return modelError(m, rc, err);
  if (s.hookFailed.load(std::memory_order_relaxed))
    return error(KILN_STATUS_INTERNAL, "model '", m.modelName,
                 "': the thread pool failed during parallel_for");
  for (size_t o = 0; o < m.outputs.size(); ++o)
    if (s.outputBuffers[o].data != outputs[o]->data && outputs[o]->byteSize)
      std::memcpy(outputs[o]->data, s.outputBuffers[o].data, outputs[o]->byteSize);
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
  size_t nin = model->inputs.size(), nout = model->outputs.size();
  s->inputBuffers.resize(nin);
  s->inputStaging.resize(nin);
  s->outputDimStorage.resize(nout);
  s->outputDims.resize(nout);
  for (size_t o = 0; o < nout; ++o) {
    s->outputDimStorage[o].resize(model->outputs[o].dims.size());
    s->outputDims[o] = s->outputDimStorage[o].data();
  }
  s->outputBuffers.resize(nout);
  s->outputStaging.resize(nout);
  s->createdOutput.resize(nout);
  s->paramValues.resize(model->dimParamNames.size());
  s->paramSource.resize(model->dimParamNames.size());
  s->scratch.reserve(16);
  initHooks(*s);
  initProfileHooks(*s);
  // The arena for batch 1 up front; larger batches grow it once.
  uint64_t initial =
      model->arenaBaseBytes + (model->batchInput >= 0 ? model->arenaPerBatchBytes : 0);
  if (initial > SIZE_MAX || !growBuffer(s->allocator, s->arena, static_cast<size_t>(initial)))
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
  if (session->running.exchange(true, std::memory_order_acq_rel))
    return error(KILN_STATUS_FAILED_PRECONDITION,
                 "kiln_session_run: the session is already running on another thread "
                 "(sessions are not thread-safe; create one per thread)");
  RunGuard guard{session->running};
  kiln_session &s = *session;
  const kiln_model &m = *s.model;
  std::fill(s.createdOutput.begin(), s.createdOutput.end(), 0);
  kiln_status *st = nullptr;
  try {
    if (num_outputs != m.outputs.size())
      return error(KILN_STATUS_INVALID_ARGUMENT, "model '", m.modelName, "' has ", m.outputs.size(),
                   " outputs, got ", num_outputs);
    if (num_outputs && !outputs)
      return error(KILN_STATUS_INVALID_ARGUMENT, "outputs is NULL");
    st = validateInputs(s, inputs, num_inputs);
    if (!st)
      st = prepareInputBuffers(s, inputs);
    if (!st)
      st = computeOutputDims(s, inputs);
    if (!st)
      st = validateOutputs(s, outputs);
    if (!st)
      st = runValidated(s, inputs, outputs);
  } catch (...) {
    st = statusFromCurrentException("kiln_session_run");
    freeScratch(s);
  }
  if (st) {
    for (size_t o = 0; o < s.createdOutput.size(); ++o) {
      if (s.createdOutput[o]) {
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
  return session ? session->arena.capacity : 0;
}

kiln_model *kiln_session_model(const kiln_session *session) {
  return session ? session->model : nullptr;
}

kiln_device kiln_session_device(const kiln_session *session) {
  return session ? session->device : kiln_device_host();
}

} // extern "C"
