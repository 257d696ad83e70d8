//===- hooks.cpp - Host hooks given to generated code -----------*- C++ -*-===//
//
// Part of Kiln. parallel_for runs on the session's TBB arena; alloc/free use the
// session allocator and track blocks so that leftovers are freed after the run.
//
//===----------------------------------------------------------------------===//

#include "session.h"
#include "tensor.h"

#include <algorithm>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

using namespace kiln::runtime;

namespace {
void parallelFor(void *ctx, int64_t begin, int64_t end, int64_t grain,
                 void (*body)(void *, int64_t, int64_t), void *arg) {
  auto *session = static_cast<kiln_session *>(ctx);
  if (end <= begin)
    return;
  if (grain < 1)
    grain = 1;
  int64_t n = end - begin;
  if (!session->threads || n <= grain) {
    body(arg, begin, end);
    return;
  }
  // Split [begin, end) into chunks of `grain` and let TBB partition chunk indices,
  // so no subrange is smaller than the grain (except the tail).
  int64_t chunks = n / grain + (n % grain != 0);
  try {
    session->threads->execute([&] {
      tbb::parallel_for(tbb::blocked_range<int64_t>(0, chunks),
                        [&](const tbb::blocked_range<int64_t> &r) {
                          int64_t b = begin + r.begin() * grain;
                          int64_t e = std::min(end, begin + r.end() * grain);
                          body(arg, b, e);
                        });
    });
  } catch (...) {
    // The hook returns void; the run reports the failure afterwards.
    session->hookFailed.store(true, std::memory_order_relaxed);
  }
}

void *hookAlloc(void *ctx, uint64_t bytes) {
  auto *session = static_cast<kiln_session *>(ctx);
  if (bytes > SIZE_MAX)
    return nullptr;
  void *p = session->allocator.alloc(session->allocator.ctx, bytes ? bytes : 1, kBufferAlignment);
  if (!p)
    return nullptr;
  try {
    std::lock_guard<std::mutex> lock(session->scratchMutex);
    session->scratch.push_back(p);
  } catch (...) {
    session->allocator.free(session->allocator.ctx, p);
    return nullptr;
  }
  return p;
}

void hookFree(void *ctx, void *ptr) {
  if (!ptr)
    return;
  auto *session = static_cast<kiln_session *>(ctx);
  {
    std::lock_guard<std::mutex> lock(session->scratchMutex);
    auto &live = session->scratch;
    auto it = std::find(live.rbegin(), live.rend(), ptr);
    if (it == live.rend())
      return; // not ours (or freed twice): ignore rather than corrupt the heap
    *it = live.back();
    live.pop_back();
  }
  session->allocator.free(session->allocator.ctx, ptr);
}
} // namespace

void kiln::runtime::initHooks(kiln_session &session) {
  session.hooks.ctx = &session;
  session.hooks.parallel_for = parallelFor;
  session.hooks.alloc = hookAlloc;
  session.hooks.free = hookFree;
}

void kiln::runtime::freeScratch(kiln_session &session) {
  std::lock_guard<std::mutex> lock(session.scratchMutex);
  for (void *p : session.scratch)
    session.allocator.free(session.allocator.ctx, p);
  session.scratch.clear(); // keeps capacity: no allocation next run
}
