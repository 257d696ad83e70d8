//===- run_context.cpp - Per-run state and the session's pool ---*- C++ -*-===//
//
// Part of Kiln. See run_context.h.
//
//===----------------------------------------------------------------------===//

#include "run_context.h"
#include "session.h"
#include "tensor.h"

#include <algorithm>

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

bool kiln::runtime::growArena(RunContext &run, uint64_t bytes) {
  if (bytes > SIZE_MAX)
    return false;
  size_t before = run.arena.capacity;
  bool ok = growBuffer(run.session->allocator, run.arena, static_cast<size_t>(bytes));
  // Unsigned wrap-around makes a shrink (a failed grow frees the old arena) a subtraction.
  run.session->arenaBytes.fetch_add(static_cast<uint64_t>(run.arena.capacity) - before,
                                    std::memory_order_relaxed);
  return ok;
}

RunContext::RunContext(kiln_session &s) : session(&s) {
  const kiln_model &model = *s.model;
  size_t nin = model.inputs.size(), nout = model.outputs.size();
  inputBuffers.resize(nin);
  inputStaging.resize(nin);
  outputDimStorage.resize(nout);
  outputDims.resize(nout);
  for (size_t o = 0; o < nout; ++o) {
    outputDimStorage[o].resize(model.outputs[o].dims.size());
    outputDims[o] = outputDimStorage[o].data();
  }
  outputBuffers.resize(nout);
  outputStaging.resize(nout);
  createdOutput.resize(nout);
  paramValues.resize(model.dimParamNames.size());
  paramSource.resize(model.dimParamNames.size());
  scratch.reserve(16);
  initHooks(*this);
  initProfileHooks(*this);
}

RunContext::~RunContext() {
  freeScratch(*this);
  releaseCachedBlocks(*this);
  session->arenaBytes.fetch_sub(arena.capacity, std::memory_order_relaxed);
  freeBuffer(session->allocator, arena);
  for (auto &b : inputStaging)
    freeBuffer(session->allocator, b);
  for (auto &b : outputStaging)
    freeBuffer(session->allocator, b);
}

RunContext &kiln::runtime::acquireRunContext(kiln_session &s) {
  {
    std::lock_guard<std::mutex> lock(s.poolMutex);
    if (!s.idle.empty()) {
      RunContext *run = s.idle.back();
      s.idle.pop_back();
      return *run;
    }
  }
  // Every context is busy: make one outside the lock (it allocates), then keep it.
  auto run = std::make_unique<RunContext>(s);
  std::lock_guard<std::mutex> lock(s.poolMutex);
  // Room in `idle` for every context, so that releaseRunContext never allocates.
  s.idle.reserve(s.contexts.size() + 1);
  s.contexts.push_back(std::move(run));
  return *s.contexts.back();
}

void kiln::runtime::releaseRunContext(RunContext &run) {
  std::lock_guard<std::mutex> lock(run.session->poolMutex);
  run.session->idle.push_back(&run);
}
