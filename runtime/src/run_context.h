//===- run_context.h - The state of one run of a session --------*- C++ -*-===//
//
// Part of Kiln. Everything one kiln_session_run writes lives in a RunContext: the
// activation arena, the buffers handed to the model, staging for misaligned caller
// data, the model's scratch blocks and the profile counters. A session keeps a pool
// of them (kiln_session::idle): a run takes one, or makes one when all are busy, and
// gives it back, so concurrent runs never share state and steady-state runs on any
// number of threads allocate nothing.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_RUN_CONTEXT_H
#define KILN_RUNTIME_SRC_RUN_CONTEXT_H

#include "model.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

struct kiln_session;

namespace kiln::runtime {

/// Times of one kernel of a profiled model over the session's runs.
struct KernelTimes {
  uint64_t calls = 0;
  uint64_t totalNs = 0;
};

/// An aligned buffer owned by a session, grown on demand.
struct GrowableBuffer {
  void *data = nullptr;
  size_t capacity = 0;
};

/// The per-run state of a session; one per concurrent run (see the file comment).
struct RunContext {
  kiln_session *session = nullptr;
  /// The activation arena (grown on a larger batch, kept for the next run).
  GrowableBuffer arena;

  std::vector<std::vector<int64_t>> outputDimStorage;
  std::vector<int64_t *> outputDims;
  std::vector<kiln_model_buffer> inputBuffers, outputBuffers;
  std::vector<GrowableBuffer> inputStaging, outputStaging;
  std::vector<int64_t> paramValues; // per dim_param: value, -1 = unseen
  std::vector<int32_t> paramSource; // per dim_param: input that set it
  std::vector<char> createdOutput;  // per output: created by this run

  // Host hooks given to the model; their ctx is this context.
  kiln_host_hooks hooks{};
  /// Guards the scratch state below: parallel_for bodies may allocate concurrently.
  std::mutex scratchMutex;
  /// Live hook allocations of the current run, with their sizes.
  std::vector<std::pair<void *, size_t>> scratch;
  /// Blocks the model freed, by size, for its next allocations (this run's or a later
  /// one's): with dynamic shapes the model allocates its intermediates on every run, and
  /// fresh memory costs a page fault per page. An allocation takes the smallest cached
  /// block that fits. At most twice `peakScratchBytes` (the most the model ever had live
  /// at once, in blocks) are kept: a run's requests may need more blocks than its peak,
  /// and the cache stays bounded.
  std::multimap<size_t, void *> cachedBlocks;
  size_t cachedBytes = 0, liveScratchBytes = 0, peakScratchBytes = 0;
  std::atomic<bool> hookFailed{false};

  // Profiling (models compiled with --profile): per kernel id, summed over the runs
  // that used this context; the session's profile is the sum over its contexts.
  kiln_profile_hooks profileHooks{};
  std::vector<KernelTimes> kernelTimes;
  std::chrono::steady_clock::time_point kernelStart;
  uint64_t profiledRuns = 0, profiledRunNs = 0;

  explicit RunContext(kiln_session &session);
  ~RunContext();
  RunContext(const RunContext &) = delete;
  RunContext &operator=(const RunContext &) = delete;
};

/// Takes an idle context of `session`, or makes a new one when every context is in
/// use by another run. Throws std::bad_alloc when one cannot be made.
RunContext &acquireRunContext(kiln_session &session);
/// Gives a context back to its session's pool.
void releaseRunContext(RunContext &run);

/// Makes `buffer` hold at least `bytes` (64-byte aligned, contents discarded).
bool growBuffer(const kiln_allocator &allocator, GrowableBuffer &buffer, size_t bytes);
void freeBuffer(const kiln_allocator &allocator, GrowableBuffer &buffer);

/// Makes `run.arena` hold at least `bytes`, keeping the session's arena total.
bool growArena(RunContext &run, uint64_t bytes);

/// Fills run.hooks with the session's parallel_for/alloc/free.
void initHooks(RunContext &run);
/// Fills run.profileHooks and sizes the kernel counters (profiled models).
void initProfileHooks(RunContext &run);
/// Frees whatever the model left allocated through the hooks.
void freeScratch(RunContext &run);
/// Frees the blocks the context keeps for reuse (context destruction).
void releaseCachedBlocks(RunContext &run);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SRC_RUN_CONTEXT_H
