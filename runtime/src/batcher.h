//===- batcher.h - The kiln_batcher object ----------------------*- C++ -*-===//
//
// Part of Kiln. A batcher (kiln/runtime.h) keeps a FIFO queue of checked requests
// under one mutex; its worker threads take the oldest request, add the compatible
// ones that fit, and run them as one batch (batch_run.cpp). Every accepted request
// leaves the queue exactly once, to a batch or to cancellation, and its callback runs
// exactly once after that, outside the lock.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_BATCHER_H
#define KILN_RUNTIME_SRC_BATCHER_H

#include "kiln/runtime.h"
#include "run_context.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::runtime {

using Clock = std::chrono::steady_clock;

/// One submitted request, checked against the model when it was submitted.
struct Request {
  uint64_t ticket = 0;
  /// The caller's tensors, in model order (NULL: an absent optional input).
  std::vector<const kiln_tensor *> inputs;
  /// The request's dim 0 (every present input's and every output's).
  int64_t rows = 0;
  /// The output dims the model computed for this request alone.
  std::vector<std::vector<int64_t>> outputDims;
  kiln_batcher_callback callback = nullptr;
  void *userData = nullptr;
  Clock::time_point arrived;
};

/// Whether two requests may share a batch: the same inputs present and the same dims
/// past dim 0, for every input and every output.
bool compatible(const Request &a, const Request &b);

/// A worker's buffers, kept across its batches: the concatenated inputs and the batched
/// outputs (64-byte aligned, grown on demand with the session's allocator).
struct WorkerBuffers {
  std::vector<GrowableBuffer> inputs, outputs;
};

} // namespace kiln::runtime

struct kiln_batcher {
  kiln_session *session = nullptr;
  kiln_batcher_options options{};

  /// Guards everything below but the workers' buffers.
  mutable std::mutex mutex;
  /// Wakes workers: a request arrived, a batch left, or the batcher is closing.
  std::condition_variable wake;
  std::deque<std::unique_ptr<kiln::runtime::Request>> queue;
  uint64_t nextTicket = 1;
  /// Set by kiln_batcher_close: no more submits; workers stop once the queue is empty.
  bool closing = false;
  /// Set once the workers have been joined (kiln_batcher_close is idempotent).
  bool closed = false;
  /// The counters updated under `mutex` (requests, rejected, batches, rows).
  kiln_batcher_stats stats{};
  /// The counters of completions, updated by whichever thread completes a request.
  std::atomic<uint64_t> completed{0}, failed{0}, cancelled{0}, splitBatches{0};

  /// Run contexts for checking requests at submit, one per concurrent submit: the
  /// batcher's own, not the session's, whose contexts each keep an activation arena
  /// (a check would spread batch-sized arenas over as many contexts as submitters).
  std::mutex checkMutex;
  std::vector<std::unique_ptr<kiln::runtime::RunContext>> checkContexts;
  std::vector<kiln::runtime::RunContext *> idleChecks;

  /// Serializes kiln_batcher_close calls (the one that joins the workers).
  std::mutex closeMutex;
  std::vector<std::thread> workers;
  std::vector<kiln::runtime::WorkerBuffers> buffers; // one per worker

  ~kiln_batcher();
};

namespace kiln::runtime {

/// Runs `batch` (compatible requests, oldest first) on the batcher's session with
/// worker `buffers`, and completes each request exactly once.
void runBatch(kiln_batcher &batcher, WorkerBuffers &buffers,
              std::vector<std::unique_ptr<Request>> &batch);

/// Counts the request's outcome in the batcher's stats, then calls its callback with
/// `status` (NULL on success; owned by the callback) and `outputs` (n of them, owned by
/// the callback). Counting first means that a caller who has its result sees it in the
/// stats.
void complete(kiln_batcher &batcher, Request &request, kiln_status *status, kiln_tensor **outputs);

/// complete() with an error and no outputs.
void fail(kiln_batcher &batcher, Request &request, kiln_status *status);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SRC_BATCHER_H
