//===- TimedRuns.cpp - kiln-bench's timed loop ----------------------------===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "TimedRuns.h"

#include "model_io.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

using namespace kiln::bench;
using kiln::tools::TensorPtr;
using kiln::tools::ToolError;

namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// What the run threads and the watching thread share.
struct Shared {
  std::mutex mutex;
  std::condition_variable changed;
  int warmedUp = 0; ///< threads through their warm-up runs
  int finished = 0; ///< threads through their timed runs
  bool go = false;  ///< the timed runs may start
  Clock::time_point start, deadline, lastEnd;
  std::atomic<int64_t> claimed{0}; ///< timed runs handed out (with plan.iterations)
  std::atomic<int64_t> done{0};    ///< timed runs finished
  std::atomic<bool> stop{false};   ///< a run failed
  std::string error;               ///< the first failure
};

bool cancelled(const RunPlan &plan) { return plan.cancel && *plan.cancel; }

/// One thread's runs: warm up, wait for the others, then timed runs into `latencies`.
void runThread(kiln_session *session, const std::vector<const kiln_tensor *> &inputs,
               const RunPlan &plan, Shared &shared, std::vector<double> &latencies) {
  size_t numOutputs = kiln_model_num_outputs(kiln_session_model(session));
  std::vector<kiln_tensor *> out(numOutputs, nullptr);
  std::vector<TensorPtr> owners(numOutputs);
  auto runOnce = [&] {
    if (plan.batcher) {
      // Each request gets new tensors of its own rows.
      kiln::tools::check(kiln_batcher_run(plan.batcher, inputs.data(), inputs.size(),
                                          out.data(), numOutputs));
      for (size_t o = 0; o < numOutputs; ++o) {
        owners[o].reset(out[o]);
        out[o] = nullptr;
      }
      return;
    }
    // The first run creates this thread's outputs; later runs write into them.
    kiln::tools::check(
        kiln_session_run(session, inputs.data(), inputs.size(), out.data(), numOutputs));
    for (size_t o = 0; o < numOutputs; ++o)
      if (!owners[o])
        owners[o].reset(out[o]);
  };
  auto fail = [&](const char *message) {
    std::lock_guard<std::mutex> lock(shared.mutex);
    if (shared.error.empty())
      shared.error = message;
    shared.stop = true;
  };
  try {
    for (int64_t w = 0; w < plan.warmup && !shared.stop && !cancelled(plan); ++w)
      runOnce();
  } catch (const std::exception &e) { // ToolError, or bad_alloc
    fail(e.what());
  }
  {
    std::unique_lock<std::mutex> lock(shared.mutex);
    ++shared.warmedUp;
    shared.changed.notify_all();
    shared.changed.wait(lock, [&] { return shared.go || shared.stop; });
  }
  try {
    while (!shared.stop && !cancelled(plan)) {
      if (plan.iterations > 0 ? shared.claimed.fetch_add(1) >= plan.iterations
                              : Clock::now() >= shared.deadline)
        break;
      auto begin = Clock::now();
      runOnce();
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      ++shared.done;
    }
  } catch (const std::exception &e) { // ToolError, or bad_alloc
    fail(e.what());
  }
  Clock::time_point end = Clock::now();
  std::lock_guard<std::mutex> lock(shared.mutex);
  shared.lastEnd = std::max(shared.lastEnd, end);
  ++shared.finished;
  shared.changed.notify_all();
}

/// A one-line progress bar on stderr, redrawn in place and erased at the end.
class ProgressBar {
public:
  explicit ProgressBar(const RunPlan &plan) : plan(plan) {}
  ~ProgressBar() { erase(); }

  void draw(int64_t done, double elapsed) {
    if (!plan.progress || elapsed < 1.0)
      return;
    double fraction =
        plan.iterations > 0 ? static_cast<double>(done) / plan.iterations : elapsed / plan.seconds;
    fraction = std::clamp(fraction, 0.0, 1.0);
    const int width = 30;
    int filled = static_cast<int>(fraction * width);
    std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    char count[96];
    if (plan.iterations > 0)
      std::snprintf(count, sizeof count, "%lld/%lld runs, %.1f s", static_cast<long long>(done),
                    static_cast<long long>(plan.iterations), elapsed);
    else
      std::snprintf(count, sizeof count, "%.1f/%.1f s, %lld runs", elapsed, plan.seconds,
                    static_cast<long long>(done));
    std::string line = "kiln-bench: " + plan.label + " [" + bar + "] " + count;
    std::fprintf(stderr, "\r%s%*s", line.c_str(),
                 static_cast<int>(shown > line.size() ? shown - line.size() : 0), "");
    std::fflush(stderr);
    shown = std::max(shown, line.size());
  }

  void erase() {
    if (!shown)
      return;
    std::fprintf(stderr, "\r%*s\r", static_cast<int>(shown), "");
    std::fflush(stderr);
    shown = 0;
  }

private:
  const RunPlan &plan;
  size_t shown = 0; ///< width of the widest line drawn
};
} // namespace

Timing kiln::bench::timeRuns(kiln_session *session, const std::vector<const kiln_tensor *> &inputs,
                             const RunPlan &plan) {
  int threads = std::max(1, plan.concurrency);
  Shared shared;
  std::vector<std::vector<double>> latencies(threads);
  if (plan.iterations > 0)
    for (auto &l : latencies)
      l.reserve(plan.iterations / threads + 1);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back(runThread, session, std::cref(inputs), std::cref(plan), std::ref(shared),
                         std::ref(latencies[t]));
  {
    std::unique_lock<std::mutex> lock(shared.mutex);
    shared.changed.wait(lock, [&] { return shared.warmedUp == threads; });
    shared.start = shared.lastEnd = Clock::now();
    shared.deadline = shared.start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(plan.seconds));
    shared.go = true;
  }
  shared.changed.notify_all();
  ProgressBar bar(plan);
  while (true) {
    {
      std::unique_lock<std::mutex> lock(shared.mutex);
      if (shared.changed.wait_for(lock, std::chrono::milliseconds(200),
                                  [&] { return shared.finished == threads; }))
        break;
    }
    bar.draw(shared.done, secondsSince(shared.start));
  }
  for (std::thread &w : workers)
    w.join();
  bar.erase();
  if (cancelled(plan))
    throw Interrupted();
  if (!shared.error.empty())
    throw ToolError(shared.error);
  Timing timing;
  timing.wallSeconds = std::chrono::duration<double>(shared.lastEnd - shared.start).count();
  for (const auto &l : latencies)
    timing.latenciesMs.insert(timing.latenciesMs.end(), l.begin(), l.end());
  return timing;
}
