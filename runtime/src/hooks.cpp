//===- hooks.cpp - Host hooks given to generated code -----------*- C++ -*-===//
//
// Part of Kiln. The hooks' ctx is the run's RunContext. parallel_for runs on the
// session's TBB arena; alloc/free use the session allocator and track blocks so that
// leftovers are released after the run; freed blocks are kept for reuse by the
// context's later runs (see RunContext::cachedBlocks).
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
  auto *run = static_cast<RunContext *>(ctx);
  const kiln_session *session = run->session;
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
    run->hookFailed.store(true, std::memory_order_relaxed);
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
void releaseBlock(RunContext &run, void *p, size_t size) {
  if (run.cachedBytes + size <= 2 * run.peakScratchBytes) {
    try {
      run.cachedBlocks.emplace(size, p);
      run.cachedBytes += size;
      KILN_POISON(p, size);
      return;
    } catch (...) {
    }
  }
  run.session->allocator.free(run.session->allocator.ctx, p);
}

void *hookAlloc(void *ctx, uint64_t bytes) {
  auto *run = static_cast<RunContext *>(ctx);
  const kiln_allocator &allocator = run->session->allocator;
  if (bytes > SIZE_MAX - 65536)
    return nullptr;
  size_t size = roundedBlockSize(bytes ? static_cast<size_t>(bytes) : 1);
  std::lock_guard<std::mutex> lock(run->scratchMutex);
  void *p = nullptr;
  // The smallest cached block that fits. A larger one is better than fresh memory:
  // with every run making the same requests, the cache then settles after one run on
  // blocks that serve them all, instead of dropping and refetching one every run.
  auto it = run->cachedBlocks.lower_bound(size);
  if (it != run->cachedBlocks.end()) {
    p = it->second;
    size = it->first;
    run->cachedBlocks.erase(it);
    run->cachedBytes -= size;
    KILN_UNPOISON(p, size);
  } else {
    p = allocator.alloc(allocator.ctx, size, kBufferAlignment);
    if (!p)
      return nullptr;
  }
  try {
    run->scratch.emplace_back(p, size);
  } catch (...) {
    allocator.free(allocator.ctx, p);
    return nullptr;
  }
  run->liveScratchBytes += size;
  run->peakScratchBytes = std::max(run->peakScratchBytes, run->liveScratchBytes);
  return p;
}

void hookFree(void *ctx, void *ptr) {
  if (!ptr)
    return;
  auto *run = static_cast<RunContext *>(ctx);
  std::lock_guard<std::mutex> lock(run->scratchMutex);
  auto &live = run->scratch;
  auto it = std::find_if(live.rbegin(), live.rend(), [&](auto &e) { return e.first == ptr; });
  if (it == live.rend())
    return; // not ours (or freed twice): ignore rather than corrupt the heap
  size_t size = it->second;
  *it = live.back();
  live.pop_back();
  run->liveScratchBytes -= size;
  releaseBlock(*run, ptr, size);
}
} // namespace

void kiln::runtime::initHooks(RunContext &run) {
  run.hooks.ctx = &run;
  run.hooks.parallel_for = parallelFor;
  run.hooks.alloc = hookAlloc;
  run.hooks.free = hookFree;
}

void kiln::runtime::freeScratch(RunContext &run) {
  std::lock_guard<std::mutex> lock(run.scratchMutex);
  for (auto [p, size] : run.scratch)
    releaseBlock(run, p, size);
  run.scratch.clear(); // keeps capacity: no allocation next run
  run.liveScratchBytes = 0;
}

void kiln::runtime::releaseCachedBlocks(RunContext &run) {
  std::lock_guard<std::mutex> lock(run.scratchMutex);
  for (auto [size, p] : run.cachedBlocks) {
    KILN_UNPOISON(p, size);
    run.session->allocator.free(run.session->allocator.ctx, p);
  }
  run.cachedBlocks.clear();
  run.cachedBytes = 0;
}
