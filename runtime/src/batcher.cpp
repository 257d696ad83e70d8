//===- batcher.cpp - kiln_batcher: the queue and its workers ----*- C++ -*-===//
//
// Part of Kiln. See batcher.h: submit checks a request and queues it; each worker
// waits for the oldest request's deadline or a full batch, takes the batch out of the
// queue and runs it (batch_run.cpp) outside the lock.
//
//===----------------------------------------------------------------------===//

#include "batcher.h"
#include "session.h"
#include "status.h"
#include "tensor.h"

#include <algorithm>
#include <cstring>

using namespace kiln::runtime;

namespace {

/// The longest timeout accepted (an hour), so that a deadline never overflows.
constexpr int64_t kMaxTimeoutUs = int64_t(3600) * 1000 * 1000;
constexpr int32_t kMaxWorkers = 1024;

/// Refuses a model the batcher cannot split: every input and output must be a tensor
/// with a dynamic dim 0.
kiln_status *checkModel(const kiln_model &m) {
  auto check = [&](const TensorDesc &d, const char *what) -> kiln_status * {
    if (d.kind != KILN_MODEL_VALUE_TENSOR)
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_create: model '", m.modelName,
                   "': ", what, " '", d.name, "' is a sequence; the batcher batches tensors only");
    if (d.dims.empty() || d.dims[0] >= 0)
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_create: model '", m.modelName,
                   "': ", what, " '", d.name, "' has dims ", formatDims(d.dims),
                   ", whose dim 0 is not dynamic; the batcher needs a dynamic dim 0 (the "
                   "batch) on every input and output");
    return nullptr;
  };
  for (const TensorDesc &d : m.inputs)
    if (kiln_status *st = check(d, "input"))
      return st;
  for (const TensorDesc &d : m.outputs)
    if (kiln_status *st = check(d, "output"))
      return st;
  return nullptr;
}

/// A run context from the batcher's pool of contexts for checks (batcher.h), given
/// back on every exit path.
struct CheckLease {
  kiln_batcher &b;
  RunContext *run = nullptr;

  explicit CheckLease(kiln_batcher &batcher) : b(batcher) {
    {
      std::lock_guard<std::mutex> lock(b.checkMutex);
      if (!b.idleChecks.empty()) {
        run = b.idleChecks.back();
        b.idleChecks.pop_back();
        return;
      }
    }
    auto fresh = std::make_unique<RunContext>(*b.session); // allocates: outside the lock
    std::lock_guard<std::mutex> lock(b.checkMutex);
    b.idleChecks.reserve(b.checkContexts.size() + 1); // so that the release cannot throw
    b.checkContexts.push_back(std::move(fresh));
    run = b.checkContexts.back().get();
  }
  ~CheckLease() {
    std::lock_guard<std::mutex> lock(b.checkMutex);
    b.idleChecks.push_back(run);
  }
  CheckLease(const CheckLease &) = delete;
  CheckLease &operator=(const CheckLease &) = delete;
};

/// Checks a request as kiln_session_run would, and that its dim 0 is one batch N that
/// every output keeps; fills `req` on success.
kiln_status *checkRequest(kiln_batcher &b, const kiln_tensor *const *inputs, size_t n,
                          Request &req) {
  const kiln_model &m = *b.session->model;
  CheckLease lease(b);
  RunContext &run = *lease.run;
  if (kiln_status *st = validateInputs(run, inputs, n))
    return st;
  int64_t rows = -1;
  size_t first = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!inputs[i])
      continue;
    int64_t d0 = inputs[i]->dims[0];
    if (rows < 0) {
      rows = d0;
      first = i;
    } else if (d0 != rows) {
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher: input '", m.inputs[i].name,
                   "' has dim 0 = ", d0, " but input '", m.inputs[first].name, "' has ", rows,
                   "; the inputs of a request share dim 0, the batch");
    }
  }
  if (rows < 1)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher: a request needs a batch (dim 0) ",
                 "of at least 1, got ", rows < 0 ? std::string("no input") : std::to_string(rows));
  if (rows > b.options.max_batch)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher: the request's batch (dim 0) is ",
                 rows, ", more than max_batch ", b.options.max_batch);
  if (kiln_status *st = prepareInputBuffers(run, inputs))
    return st;
  if (kiln_status *st = computeOutputDims(run, inputs))
    return st;
  for (size_t o = 0; o < m.outputs.size(); ++o) {
    const std::vector<int64_t> &dims = run.outputDimStorage[o];
    if (dims[0] != rows)
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher: output '", m.outputs[o].name,
                   "' of this request has dims ", formatDims(dims), ", whose dim 0 is not the ",
                   "request's batch ", rows, "; the batcher cannot split it");
  }
  req.inputs.assign(inputs, inputs + n);
  req.rows = rows;
  req.outputDims = run.outputDimStorage;
  return nullptr;
}

/// Takes the next batch out of the queue, or returns false (and leaves it) while the
/// oldest request may still wait for company. Called with the lock held.
bool takeBatch(kiln_batcher &b, std::vector<std::unique_ptr<Request>> &batch,
               Clock::time_point &deadline) {
  const Request &oldest = *b.queue.front();
  const int64_t max = b.options.max_batch;
  std::vector<size_t> picked{0};
  int64_t rows = oldest.rows;
  bool full = rows >= max;
  for (size_t k = 1; k < b.queue.size() && !full; ++k) {
    const Request &r = *b.queue[k];
    if (!compatible(oldest, r))
      continue;
    if (rows + r.rows > max) {
      full = true; // the next compatible request waits for the next batch, in order
      break;
    }
    picked.push_back(k);
    rows += r.rows;
    full = rows >= max;
  }
  deadline = oldest.arrived + std::chrono::microseconds(b.options.timeout_us);
  if (!full && !b.closing && Clock::now() < deadline)
    return false;
  batch.reserve(picked.size());
  for (size_t k : picked)
    batch.push_back(std::move(b.queue[k]));
  b.queue.erase(std::remove(b.queue.begin(), b.queue.end(), nullptr), b.queue.end());
  b.stats.batches += 1;
  b.stats.batched_rows += static_cast<uint64_t>(rows);
  b.stats.largest_batch = std::max(b.stats.largest_batch, static_cast<uint64_t>(rows));
  return true;
}

void workerLoop(kiln_batcher &b, WorkerBuffers &buffers) {
  std::unique_lock<std::mutex> lock(b.mutex);
  for (;;) {
    if (b.queue.empty()) {
      if (b.closing)
        return;
      b.wake.wait(lock);
      continue;
    }
    std::vector<std::unique_ptr<Request>> batch;
    Clock::time_point deadline;
    bool taken = false;
    try {
      taken = takeBatch(b, batch, deadline);
    } catch (const std::bad_alloc &) {
      // Nothing left the queue (reserve comes first): try again a little later.
      b.wake.wait_for(lock, std::chrono::milliseconds(1));
      continue;
    }
    if (!taken) {
      b.wake.wait_until(lock, deadline);
      continue;
    }
    if (!b.queue.empty())
      b.wake.notify_one(); // another worker may start the next batch
    lock.unlock();
    runBatch(b, buffers, batch);
    lock.lock();
  }
}

/// What kiln_batcher_run waits on; lives on the caller's stack.
struct Waiter {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  kiln_status *status = nullptr;
  std::vector<kiln_tensor *> outputs;

  static void callback(void *self, kiln_status *status, kiln_tensor **outputs, size_t n) {
    auto *w = static_cast<Waiter *>(self);
    std::lock_guard<std::mutex> lock(w->mutex);
    w->status = status;
    std::copy(outputs, outputs + n, w->outputs.begin());
    w->finished = true;
    // Notified under the lock: once the waiter sees `finished` it may return and
    // destroy this object.
    w->done.notify_one();
  }
};

} // namespace

bool kiln::runtime::compatible(const Request &a, const Request &b) {
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const kiln_tensor *x = a.inputs[i], *y = b.inputs[i];
    if (!x || !y) {
      if (x != y)
        return false;
      continue;
    }
    if (!std::equal(x->dims.begin() + 1, x->dims.end(), y->dims.begin() + 1, y->dims.end()))
      return false;
  }
  for (size_t o = 0; o < a.outputDims.size(); ++o) {
    const std::vector<int64_t> &x = a.outputDims[o], &y = b.outputDims[o];
    if (!std::equal(x.begin() + 1, x.end(), y.begin() + 1, y.end()))
      return false;
  }
  return true;
}

void kiln::runtime::complete(kiln_batcher &b, Request &request, kiln_status *status,
                             kiln_tensor **outputs) {
  kiln_status_code_t code = kiln_status_code(status);
  std::atomic<uint64_t> &counter = code == KILN_STATUS_OK          ? b.completed
                                   : code == KILN_STATUS_CANCELLED ? b.cancelled
                                                                   : b.failed;
  counter.fetch_add(1, std::memory_order_relaxed);
  request.callback(request.userData, status, outputs, request.outputDims.size());
}

void kiln::runtime::fail(kiln_batcher &b, Request &request, kiln_status *status) {
  std::vector<kiln_tensor *> none(request.outputDims.size(), nullptr);
  complete(b, request, status, none.data());
}

kiln_batcher::~kiln_batcher() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    closing = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    if (t.joinable())
      t.join();
  for (WorkerBuffers &w : buffers) {
    for (GrowableBuffer &g : w.inputs)
      freeBuffer(session->allocator, g);
    for (GrowableBuffer &g : w.outputs)
      freeBuffer(session->allocator, g);
  }
}

extern "C" {

void kiln_batcher_options_initialize(kiln_batcher_options *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->max_batch = 32;
  options->timeout_us = 1000;
  options->queue_capacity = 1024;
  options->num_workers = 1;
}

kiln_status *kiln_batcher_create(kiln_session *session, const kiln_batcher_options *options,
                                 kiln_batcher **out) {
  KILN_API_GUARD_BEGIN
  if (!session || !out)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_create: session or out is NULL");
  *out = nullptr;
  kiln_batcher_options opts;
  kiln_batcher_options_initialize(&opts);
  if (options) {
    if (options->struct_size < sizeof(opts))
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_create: options->struct_size is ",
                   options->struct_size, "; call kiln_batcher_options_initialize");
    std::memcpy(&opts, options, sizeof(opts));
  }
  if (opts.max_batch < 1)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_create: max_batch must be >= 1, got ",
                 opts.max_batch);
  if (opts.timeout_us < 0 || opts.timeout_us > kMaxTimeoutUs)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_create: timeout_us must be in [0, ",
                 kMaxTimeoutUs, "], got ", opts.timeout_us);
  if (opts.queue_capacity < 1)
    return error(KILN_STATUS_INVALID_ARGUMENT,
                 "kiln_batcher_create: queue_capacity must be >= 1, got ", opts.queue_capacity);
  if (opts.num_workers < 1 || opts.num_workers > kMaxWorkers)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_create: num_workers must be in [1, ",
                 kMaxWorkers, "], got ", opts.num_workers);
  if (kiln_status *st = checkModel(*session->model))
    return st;

  auto b = std::make_unique<kiln_batcher>();
  b->session = session;
  b->options = opts;
  b->options.struct_size = sizeof(opts);
  b->buffers.resize(static_cast<size_t>(opts.num_workers));
  // A thread that fails to start throws; the destructor joins those already started.
  for (int32_t w = 0; w < opts.num_workers; ++w)
    b->workers.emplace_back(workerLoop, std::ref(*b), std::ref(b->buffers[w]));
  *out = b.release();
  return nullptr;
  KILN_API_GUARD_END("kiln_batcher_create")
}

kiln_status *kiln_batcher_submit(kiln_batcher *batcher, const kiln_tensor *const *inputs,
                                 size_t num_inputs, kiln_batcher_callback callback, void *user_data,
                                 uint64_t *ticket) {
  KILN_API_GUARD_BEGIN
  if (!batcher || !callback)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_submit: batcher or callback is NULL");
  auto req = std::make_unique<Request>();
  if (kiln_status *st = checkRequest(*batcher, inputs, num_inputs, *req))
    return st;
  req->callback = callback;
  req->userData = user_data;
  {
    std::lock_guard<std::mutex> lock(batcher->mutex);
    if (batcher->closing)
      return error(KILN_STATUS_FAILED_PRECONDITION, "kiln_batcher_submit: the batcher is closed");
    if (batcher->queue.size() >= static_cast<size_t>(batcher->options.queue_capacity)) {
      ++batcher->stats.rejected;
      return error(KILN_STATUS_RESOURCE_EXHAUSTED, "kiln_batcher_submit: the queue is full (",
                   batcher->options.queue_capacity, " requests waiting); retry later");
    }
    req->ticket = batcher->nextTicket++;
    req->arrived = Clock::now();
    if (ticket)
      *ticket = req->ticket;
    batcher->queue.push_back(std::move(req));
    ++batcher->stats.requests;
  }
  batcher->wake.notify_one();
  return nullptr;
  KILN_API_GUARD_END("kiln_batcher_submit")
}

kiln_status *kiln_batcher_run(kiln_batcher *batcher, const kiln_tensor *const *inputs,
                              size_t num_inputs, kiln_tensor **outputs, size_t num_outputs) {
  KILN_API_GUARD_BEGIN
  if (!batcher)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_run: batcher is NULL");
  const kiln_model &m = *batcher->session->model;
  if (num_outputs != m.outputs.size())
    return error(KILN_STATUS_INVALID_ARGUMENT, "model '", m.modelName, "' has ", m.outputs.size(),
                 " outputs, got ", num_outputs);
  if (num_outputs && !outputs)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_run: outputs is NULL");
  for (size_t o = 0; o < num_outputs; ++o)
    if (outputs[o])
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_run: outputs[", o,
                   "] must be NULL: the batcher creates the request's outputs");
  Waiter waiter;
  waiter.outputs.assign(num_outputs, nullptr);
  if (kiln_status *st =
          kiln_batcher_submit(batcher, inputs, num_inputs, Waiter::callback, &waiter, nullptr))
    return st;
  std::unique_lock<std::mutex> lock(waiter.mutex);
  waiter.done.wait(lock, [&] { return waiter.finished; });
  std::copy(waiter.outputs.begin(), waiter.outputs.end(), outputs);
  return waiter.status;
  KILN_API_GUARD_END("kiln_batcher_run")
}

kiln_status *kiln_batcher_cancel(kiln_batcher *batcher, uint64_t ticket) {
  KILN_API_GUARD_BEGIN
  if (!batcher)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_cancel: batcher is NULL");
  std::unique_ptr<Request> req;
  {
    std::lock_guard<std::mutex> lock(batcher->mutex);
    auto it = std::find_if(batcher->queue.begin(), batcher->queue.end(),
                           [&](const std::unique_ptr<Request> &r) { return r->ticket == ticket; });
    if (it == batcher->queue.end())
      return error(KILN_STATUS_NOT_FOUND, "kiln_batcher_cancel: request ", ticket,
                   " is not queued (it is running or done, or no such request)");
    req = std::move(*it);
    batcher->queue.erase(it);
  }
  batcher->wake.notify_all(); // the oldest request may have changed
  fail(*batcher, *req, error(KILN_STATUS_CANCELLED, "the request was cancelled before it ran"));
  return nullptr;
  KILN_API_GUARD_END("kiln_batcher_cancel")
}

void kiln_batcher_close(kiln_batcher *batcher, int32_t mode) {
  if (!batcher)
    return;
  std::lock_guard<std::mutex> closeLock(batcher->closeMutex);
  if (batcher->closed)
    return;
  std::deque<std::unique_ptr<Request>> cancelled;
  {
    std::lock_guard<std::mutex> lock(batcher->mutex);
    batcher->closing = true;
    if (mode == KILN_BATCHER_CLOSE_CANCEL)
      cancelled.swap(batcher->queue);
  }
  batcher->wake.notify_all();
  for (std::unique_ptr<Request> &r : cancelled)
    fail(*batcher, *r,
         error(KILN_STATUS_CANCELLED, "the batcher was closed before the request ran"));
  // Workers drain the queue (without waiting for timeouts) and then return.
  for (std::thread &t : batcher->workers)
    t.join();
  batcher->closed = true;
}

void kiln_batcher_release(kiln_batcher *batcher) {
  if (!batcher)
    return;
  kiln_batcher_close(batcher, KILN_BATCHER_CLOSE_DRAIN);
  delete batcher;
}

kiln_status *kiln_batcher_get_stats(const kiln_batcher *batcher, kiln_batcher_stats *stats) {
  if (!batcher || !stats)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_get_stats: batcher or stats is NULL");
  size_t size = stats->struct_size;
  if (size < offsetof(kiln_batcher_stats, requests) + sizeof(uint64_t))
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_batcher_get_stats: stats->struct_size is ",
                 size, "; set it to sizeof(kiln_batcher_stats)");
  kiln_batcher_stats now;
  {
    std::lock_guard<std::mutex> lock(batcher->mutex);
    now = batcher->stats;
    now.queued = batcher->queue.size();
  }
  now.completed = batcher->completed.load(std::memory_order_relaxed);
  now.failed = batcher->failed.load(std::memory_order_relaxed);
  now.cancelled = batcher->cancelled.load(std::memory_order_relaxed);
  now.split_batches = batcher->splitBatches.load(std::memory_order_relaxed);
  now.struct_size = std::min(size, sizeof(now));
  std::memcpy(stats, &now, now.struct_size);
  return nullptr;
}

} // extern "C"
