//===- session.h - The kiln_session object ----------------------*- C++ -*-===//
//
// Part of Kiln. Everything a run needs is allocated when the session is created
// (or grown on a larger batch) so that steady-state runs allocate nothing.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_SESSION_H
#define KILN_RUNTIME_SRC_SESSION_H

#include "model.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <map>
#include <mutex>
#include <vector>

#include <tbb/task_arena.h>

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

} // namespace kiln::runtime

struct kiln_session {
  kiln_model *model = nullptr;
  /// The device runs execute on (the model's kind; the host for now).
  kiln_device device{KILN_DEVICE_HOST, 0};
  int32_t numThreads = 1;
  kiln_allocator allocator{};
  /// The thread pool (null when numThreads == 1: everything runs inline).
  std::unique_ptr<tbb::task_arena> threads;
  kiln::runtime::GrowableBuffer arena;
  std::atomic<bool> running{false};

  // Per-run state, sized at creation.
  std::vector<std::vector<int64_t>> outputDimStorage;
  std::vector<int64_t *> outputDims;
  std::vector<kiln_model_buffer> inputBuffers, outputBuffers;
  std::vector<kiln::runtime::GrowableBuffer> inputStaging, outputStaging;
  std::vector<int64_t> paramValues; // per dim_param: value, -1 = unseen
  std::vector<int32_t> paramSource; // per dim_param: input that set it
  std::vector<char> createdOutput;  // per output: created by this run

  // Host hooks given to the model.
  kiln_host_hooks hooks{};
  std::mutex scratchMutex;
  /// Live hook allocations of the current run, with their sizes.
  std::vector<std::pair<void *, size_t>> scratch;
  /// Blocks the model freed, by size, for its next allocations (this run's or a later
  /// one's): with dynamic shapes the model allocates its intermediates on every run, and
  /// fresh memory costs a page fault per page. At most `peakScratchBytes` are kept (the
  /// most the model ever had live at once), so the cache never outgrows one run's need.
  std::multimap<size_t, void *> cachedBlocks;
  size_t cachedBytes = 0, liveScratchBytes = 0, peakScratchBytes = 0;
  std::atomic<bool> hookFailed{false};

  // Profiling (models compiled with --profile): per kernel id. Only the thread
  // running the model touches these, and runs on a session never overlap.
  kiln_profile_hooks profileHooks{};
  std::vector<kiln::runtime::KernelTimes> kernelTimes;
  std::chrono::steady_clock::time_point kernelStart;
  uint64_t profiledRuns = 0, profiledRunNs = 0;

  ~kiln_session();
};

namespace kiln::runtime {

/// Checks the inputs against the model.
kiln_status *validateInputs(kiln_session &session, const kiln_tensor *const *inputs,
                            size_t numInputs);

/// Points session.inputBuffers at the inputs, staging data that is not
/// 64-byte aligned.
kiln_status *prepareInputBuffers(kiln_session &session, const kiln_tensor *const *inputs);

/// Asks the model for the output dims of the prepared inputs and checks them.
kiln_status *computeOutputDims(kiln_session &session, const kiln_tensor *const *inputs);

/// The status for a model entry point that returned `rc` != KILN_MODEL_OK, with the
/// message it reported in `err` (kiln/model_abi.h): shape, index and arithmetic
/// errors are the caller's inputs (INVALID_ARGUMENT), memory is RESOURCE_EXHAUSTED.
/// `context` (may be empty) is appended, e.g. the input shapes.
kiln_status *modelError(const kiln_model &model, int32_t rc, const kiln_model_error &err,
                        const std::string &context = "");

/// Checks caller-provided outputs (non-NULL entries) against the computed dims.
kiln_status *validateOutputs(kiln_session &session, kiln_tensor *const *outputs);

/// Makes `buffer` hold at least `bytes` (64-byte aligned, contents discarded).
bool growBuffer(const kiln_allocator &allocator, GrowableBuffer &buffer, size_t bytes);
void freeBuffer(const kiln_allocator &allocator, GrowableBuffer &buffer);

/// Fills session.hooks with the session's parallel_for/alloc/free.
void initHooks(kiln_session &session);
/// Fills session.profileHooks and sizes the kernel counters (profiled models).
void initProfileHooks(kiln_session &session);
/// Frees whatever the model left allocated through the hooks.
void freeScratch(kiln_session &session);

/// Frees the blocks the session keeps for reuse (session destruction).
void releaseCachedBlocks(kiln_session &session);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SRC_SESSION_H
