//===- generator.cpp - kiln_generator: queue and scheduler ------*- C++ -*-===//
//
// Part of Kiln. See generator.h. The scheduler loop: under the lock, take what is to be
// cancelled and admit queued requests up to max_active; outside it, complete the
// cancelled, run the prefills of the admitted (grouped by prompt length), then one
// decode step over every active request; complete the requests that are finished. A
// request's `done` runs exactly once, after its ticket has left `active`.
//
//===----------------------------------------------------------------------===//

#include "generator.h"
#include "session.h"
#include "status.h"

#include <algorithm>
#include <cstring>
#include <map>

using namespace kiln::runtime;

namespace {

constexpr int32_t kMaxActive = 1 << 16;

void countMax(std::atomic<uint64_t> &counter, uint64_t value) {
  uint64_t seen = counter.load(std::memory_order_relaxed);
  while (value > seen && !counter.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

/// Calls the request's `done` with `status` (NULL = success) and counts it.
void finish(kiln_generator &g, GenRequest &r, kiln_status *status) {
  kiln_status_code_t code = kiln_status_code(status);
  std::atomic<uint64_t> &counter = code == KILN_STATUS_OK          ? g.completed
                                   : code == KILN_STATUS_CANCELLED ? g.cancelled
                                                                   : g.failed;
  counter.fetch_add(1, std::memory_order_relaxed);
  r.callbacks.done(r.callbacks.user_data, status, r.tokens.data(), r.tokens.size());
}

kiln_status *copyOf(const kiln_status *st) { return makeStatus(st->code, st->message); }

/// Leaves `active` (so that a cancel now says NOT_FOUND), then completes.
void retire(kiln_generator &g, GenRequestPtr r, kiln_status *status) {
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    g.active.erase(r->ticket);
    g.cancelRequested.erase(r->ticket);
  }
  finish(g, *r, status);
}

/// Runs one call over `rows`; on INVALID_ARGUMENT with several rows, reruns each alone so
/// that only those at fault fail. Fills `failures` (row index -> status).
void runRows(kiln_generator &g, const std::vector<GenRequest *> &rows,
             std::map<size_t, kiln_status *> &failures) {
  uint64_t padded = 0;
  kiln_status *st = nullptr;
  try {
    st = runStep(*g.session, g.spec, rows, padded);
  } catch (...) {
    st = statusFromCurrentException("kiln_generator");
  }
  if (!st) {
    g.padded.fetch_add(padded, std::memory_order_relaxed);
    g.tokens.fetch_add(rows.size(), std::memory_order_relaxed);
    return;
  }
  if (rows.size() > 1 && kiln_status_code(st) == KILN_STATUS_INVALID_ARGUMENT) {
    kiln_status_free(st);
    g.splitSteps.fetch_add(1, std::memory_order_relaxed);
    for (size_t i = 0; i < rows.size(); ++i) {
      std::map<size_t, kiln_status *> one;
      runRows(g, {rows[i]}, one);
      if (!one.empty())
        failures[i] = one.begin()->second;
    }
    return;
  }
  for (size_t i = 0; i < rows.size(); ++i)
    failures[i] = i + 1 < rows.size() ? copyOf(st) : st;
}

/// Runs a call over `reqs` (owned), completing the failed and the finished; the others
/// go back to `keep`.
void step(kiln_generator &g, std::vector<GenRequestPtr> &reqs, std::vector<GenRequestPtr> &keep) {
  std::vector<GenRequest *> rows;
  for (GenRequestPtr &r : reqs)
    rows.push_back(r.get());
  std::map<size_t, kiln_status *> failures;
  runRows(g, rows, failures);
  for (size_t i = 0; i < reqs.size(); ++i) {
    auto f = failures.find(i);
    if (f != failures.end())
      retire(g, std::move(reqs[i]), f->second);
    else if (reqs[i]->finished())
      retire(g, std::move(reqs[i]), nullptr);
    else
      keep.push_back(std::move(reqs[i]));
  }
}

void schedulerLoop(kiln_generator &g) {
  std::vector<GenRequestPtr> active;
  for (;;) {
    std::vector<GenRequestPtr> admitted, cancelled;
    {
      std::unique_lock<std::mutex> lock(g.mutex);
      g.wake.wait(lock, [&] { return !active.empty() || !g.queue.empty() || g.closing; });
      if (g.cancelAll) {
        for (GenRequestPtr &q : g.queue)
          cancelled.push_back(std::move(q));
        g.queue.clear();
      }
      for (GenRequestPtr &r : active)
        if (g.cancelAll || g.cancelRequested.count(r->ticket))
          cancelled.push_back(std::move(r));
      active.erase(std::remove(active.begin(), active.end(), nullptr), active.end());
      while (active.size() + admitted.size() < static_cast<size_t>(g.options.max_active) &&
             !g.queue.empty()) {
        g.active.insert(g.queue.front()->ticket);
        admitted.push_back(std::move(g.queue.front()));
        g.queue.pop_front();
      }
      if (active.empty() && admitted.empty() && cancelled.empty() && g.closing && g.queue.empty())
        return;
    }
    for (GenRequestPtr &r : cancelled)
      retire(g, std::move(r), error(KILN_STATUS_CANCELLED, "the request was cancelled"));

    // Prefills: one call per prompt length, in order of arrival of each length's first.
    while (!admitted.empty()) {
      const size_t len = admitted.front()->prompt.size();
      std::vector<GenRequestPtr> group, rest;
      for (GenRequestPtr &r : admitted)
        (r->prompt.size() == len ? group : rest).push_back(std::move(r));
      admitted.swap(rest);
      g.prefills.fetch_add(1, std::memory_order_relaxed);
      step(g, group, active);
    }
    if (active.empty())
      continue;
    // One decode step over every active request, the new ones included.
    std::vector<GenRequestPtr> rows;
    rows.swap(active);
    g.steps.fetch_add(1, std::memory_order_relaxed);
    g.stepRows.fetch_add(rows.size(), std::memory_order_relaxed);
    countMax(g.largestStep, rows.size());
    step(g, rows, active);
  }
}

} // namespace

kiln_generator::~kiln_generator() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    closing = true;
  }
  wake.notify_all();
  if (scheduler.joinable())
    scheduler.join();
}

extern "C" {

void kiln_decoder_desc_initialize(kiln_decoder_desc *desc) {
  if (!desc)
    return;
  std::memset(desc, 0, sizeof(*desc));
  desc->struct_size = sizeof(*desc);
  desc->input_ids = "input_ids";
  desc->attention_mask = "attention_mask";
  desc->position_ids = "position_ids";
  desc->logits = "logits";
}

void kiln_generator_options_initialize(kiln_generator_options *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->max_active = 8;
  options->queue_capacity = 1024;
}

void kiln_generate_request_initialize(kiln_generate_request *request) {
  if (!request)
    return;
  std::memset(request, 0, sizeof(*request));
  request->struct_size = sizeof(*request);
  request->max_new_tokens = 16;
  request->stop_token = -1;
}

kiln_status *kiln_generator_create(kiln_session *session, const kiln_decoder_desc *desc,
                                   const kiln_generator_options *options, kiln_generator **out) {
  KILN_API_GUARD_BEGIN
  if (!session || !out)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: session or out is NULL");
  *out = nullptr;
  kiln_decoder_desc d;
  kiln_decoder_desc_initialize(&d);
  if (desc) {
    if (desc->struct_size < sizeof(d))
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: desc->struct_size is ",
                   desc->struct_size, "; call kiln_decoder_desc_initialize");
    std::memcpy(&d, desc, sizeof(d));
  }
  if (d.num_caches && !d.caches)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: desc->caches is NULL");
  kiln_generator_options opts;
  kiln_generator_options_initialize(&opts);
  if (options) {
    if (options->struct_size < sizeof(opts))
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: options->struct_size ",
                   "is ", options->struct_size, "; call kiln_generator_options_initialize");
    std::memcpy(&opts, options, sizeof(opts));
  }
  if (opts.max_active < 1 || opts.max_active > kMaxActive)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: max_active must be in [1, ",
                 kMaxActive, "], got ", opts.max_active);
  if (opts.queue_capacity < 1)
    return error(KILN_STATUS_INVALID_ARGUMENT,
                 "kiln_generator_create: queue_capacity must be >= 1, got ", opts.queue_capacity);
  auto g = std::make_unique<kiln_generator>();
  if (kiln_status *st = resolveDecoder(*session->model, d, g->spec))
    return st;
  g->session = session;
  g->options = opts;
  g->options.struct_size = sizeof(opts);
  g->scheduler = std::thread(schedulerLoop, std::ref(*g));
  *out = g.release();
  return nullptr;
  KILN_API_GUARD_END("kiln_generator_create")
}

kiln_status *kiln_generator_submit(kiln_generator *generator, const kiln_generate_request *request,
                                   const kiln_generate_callbacks *callbacks, uint64_t *ticket) {
  KILN_API_GUARD_BEGIN
  if (!generator || !request || !callbacks || !callbacks->done)
    return error(KILN_STATUS_INVALID_ARGUMENT,
                 "kiln_generator_submit: generator, request, callbacks or callbacks->done is NULL");
  if (request->struct_size < sizeof(kiln_generate_request))
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_submit: request->struct_size is ",
                 request->struct_size, "; call kiln_generate_request_initialize");
  if (!request->prompt || request->prompt_length < 1)
    return error(KILN_STATUS_INVALID_ARGUMENT,
                 "kiln_generator_submit: the prompt is empty (a request needs at least one token)");
  if (request->max_new_tokens < 1)
    return error(KILN_STATUS_INVALID_ARGUMENT,
                 "kiln_generator_submit: max_new_tokens must be >= 1, got ",
                 request->max_new_tokens);
  auto r = std::make_unique<GenRequest>();
  r->prompt.assign(request->prompt, request->prompt + request->prompt_length);
  r->maxNew = request->max_new_tokens;
  r->stop = request->stop_token;
  r->callbacks = *callbacks;
  r->tokens.reserve(static_cast<size_t>(std::min(request->max_new_tokens, 4096)));
  {
    std::lock_guard<std::mutex> lock(generator->mutex);
    if (generator->closing)
      return error(KILN_STATUS_FAILED_PRECONDITION,
                   "kiln_generator_submit: the generator is closed");
    if (generator->queue.size() >= static_cast<size_t>(generator->options.queue_capacity)) {
      ++generator->rejected;
      return error(KILN_STATUS_RESOURCE_EXHAUSTED, "kiln_generator_submit: the queue is full (",
                   generator->options.queue_capacity, " requests waiting); retry later");
    }
    r->ticket = generator->nextTicket++;
    if (ticket)
      *ticket = r->ticket;
    generator->queue.push_back(std::move(r));
    ++generator->requests;
  }
  generator->wake.notify_one();
  return nullptr;
  KILN_API_GUARD_END("kiln_generator_submit")
}

kiln_status *kiln_generator_cancel(kiln_generator *generator, uint64_t ticket) {
  KILN_API_GUARD_BEGIN
  if (!generator)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_cancel: generator is NULL");
  GenRequestPtr queued;
  {
    std::lock_guard<std::mutex> lock(generator->mutex);
    auto it = std::find_if(generator->queue.begin(), generator->queue.end(),
                           [&](const GenRequestPtr &r) { return r->ticket == ticket; });
    if (it != generator->queue.end()) {
      queued = std::move(*it);
      generator->queue.erase(it);
    } else if (generator->active.count(ticket)) {
      generator->cancelRequested.insert(ticket);
      return nullptr; // the scheduler completes it at the next step boundary
    } else {
      return error(KILN_STATUS_NOT_FOUND, "kiln_generator_cancel: request ", ticket,
                   " is done (or no such request)");
    }
  }
  finish(*generator, *queued,
         error(KILN_STATUS_CANCELLED, "the request was cancelled before it ran"));
  return nullptr;
  KILN_API_GUARD_END("kiln_generator_cancel")
}

void kiln_generator_close(kiln_generator *generator, int32_t mode) {
  if (!generator)
    return;
  std::lock_guard<std::mutex> closeLock(generator->closeMutex);
  if (generator->closed)
    return;
  {
    std::lock_guard<std::mutex> lock(generator->mutex);
    generator->closing = true;
    if (mode == KILN_GENERATOR_CLOSE_CANCEL)
      generator->cancelAll = true;
  }
  generator->wake.notify_all();
  generator->scheduler.join();
  generator->closed = true;
}

void kiln_generator_release(kiln_generator *generator) {
  if (!generator)
    return;
  kiln_generator_close(generator, KILN_GENERATOR_CLOSE_DRAIN);
  delete generator;
}

kiln_status *kiln_generator_get_stats(const kiln_generator *generator,
                                      kiln_generator_stats *stats) {
  if (!generator || !stats)
    return error(KILN_STATUS_INVALID_ARGUMENT,
                 "kiln_generator_get_stats: generator or stats is NULL");
  size_t size = stats->struct_size;
  if (size < offsetof(kiln_generator_stats, requests) + sizeof(uint64_t))
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_get_stats: stats->struct_size is ",
                 size, "; set it to sizeof(kiln_generator_stats)");
  kiln_generator_stats now{};
  {
    std::lock_guard<std::mutex> lock(generator->mutex);
    now.requests = generator->requests;
    now.rejected = generator->rejected;
    now.queued = generator->queue.size();
    now.active = generator->active.size();
  }
  const kiln_generator &g = *generator;
  now.completed = g.completed.load(std::memory_order_relaxed);
  now.failed = g.failed.load(std::memory_order_relaxed);
  now.cancelled = g.cancelled.load(std::memory_order_relaxed);
  now.prefills = g.prefills.load(std::memory_order_relaxed);
  now.steps = g.steps.load(std::memory_order_relaxed);
  now.step_rows = g.stepRows.load(std::memory_order_relaxed);
  now.largest_step = g.largestStep.load(std::memory_order_relaxed);
  now.padded_positions = g.padded.load(std::memory_order_relaxed);
  now.tokens = g.tokens.load(std::memory_order_relaxed);
  now.split_steps = g.splitSteps.load(std::memory_order_relaxed);
  now.struct_size = std::min(size, sizeof(now));
  std::memcpy(stats, &now, now.struct_size);
  return nullptr;
}

} // extern "C"
