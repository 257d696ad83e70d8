//===- hooks.cpp - Host hooks given to generated code -----------*- C++ -*-===//
//
// Part of Kiln. parallel_for runs on the session's TBB arena; alloc/free use the
// session allocator and track blocks so that leftovers are released after the run;
// freed blocks are kept for reuse (see kiln_session::cachedBlocks).
//
//===----------------------------------------------------------------------===//

#include "session.h"
#include "tensor.h"

#include <algorithm>

// Cached blocks are poisoned under AddressSanitizer, so a model that reads a block it
// freed is still caught.
#if defined(__SANITIZE_ADDRESS__)
#define KILN_HAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KILN_HAS_ASAN 1
#endif
#endif
#ifdef KILN_HAS_ASAN
#include <sanitizer/asan_interface.h>
#define KILN_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define KILN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define KILN_POISON(p, n) ((void)(p), (void)(n))
#define KILN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif
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

/// Hook blocks are sized in steps so that a block freed by one run fits the same
/// allocation of the next even when a dynamic size moved a little.
size_t roundedBlockSize(size_t bytes) {
  constexpr size_t kSmall = 4096, kStep = 64 * 1024;
  if (bytes <= kSmall)
    return (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  return (bytes + kStep - 1) / kStep * kStep;
}

/// Gives a block to the cache, or back to the allocator when the cache is full.
/// Called with scratchMutex held.
void releaseBlock(kiln_session &session, void *p, size_t size) {
  if (session.cachedBytes + size <= session.peakScratchBytes) {
    try {
      session.cachedBlocks.emplace(size, p);
      session.cachedBytes += size;
      KILN_POISON(p, size);
      return;
    } catch (...) {
    }
  }
  session.allocator.free(session.allocator.ctx, p);
}

void *hookAlloc(void *ctx, uint64_t bytes) {
  auto *session = static_cast<kiln_session *>(ctx);
  if (bytes > SIZE_MAX - 65536)
    return nullptr;
  size_t size = roundedBlockSize(bytes ? static_cast<size_t>(bytes) : 1);
  std::lock_guard<std::mutex> lock(session->scratchMutex);
  void *p = nullptr;
  // The smallest cached block that fits, unless it wastes more than a quarter.
  auto it = session->cachedBlocks.lower_bound(size);
  if (it != session->cachedBlocks.end() && it->first - size <= size / 4) {
    p = it->second;
    size = it->first;
    session->cachedBlocks.erase(it);
    session->cachedBytes -= size;
    KILN_UNPOISON(p, size);
  } else {
    p = session->allocator.alloc(session->allocator.ctx, size, kBufferAlignment);
    if (!p)
      return nullptr;
  }
  try {
    session->scratch.emplace_back(p, size);
  } catch (...) {
    session->allocator.free(session->allocator.ctx, p);
    return nullptr;
  }
  session->liveScratchBytes += size;
  session->peakScratchBytes = std::max(session->peakScratchBytes, session->liveScratchBytes);
  return p;
}

void hookFree(void *ctx, void *ptr) {
  if (!ptr)
    return;
  auto *session = static_cast<kiln_session *>(ctx);
  std::lock_guard<std::mutex> lock(session->scratchMutex);
  auto &live = session->scratch;
  auto it = std::find_if(live.rbegin(), live.rend(), [&](auto &e) { return e.first == ptr; });
  if (it == live.rend())
    return; // not ours (or freed twice): ignore rather than corrupt the heap
  size_t size = it->second;
  *it = live.back();
  live.pop_back();
  session->liveScratchBytes -= size;
  releaseBlock(*session, ptr, size);
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
  for (auto [p, size] : session.scratch)
    releaseBlock(session, p, size);
  session.scratch.clear(); // keeps capacity: no allocation next run
  session.liveScratchBytes = 0;
}

void kiln::runtime::releaseCachedBlocks(kiln_session &session) {
  std::lock_guard<std::mutex> lock(session.scratchMutex);
  for (auto [size, p] : session.cachedBlocks) {
    KILN_UNPOISON(p, size);
    session.allocator.free(session.allocator.ctx, p);
  }
  session.cachedBlocks.clear();
  session.cachedBytes = 0;
}
