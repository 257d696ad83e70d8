//===- profile.cpp - Per-kernel times of profiled models --------*- C++ -*-===//
//
// Part of Kiln. A model compiled with `kilnc --profile` calls enter/exit around
// each kernel on the thread that runs it; the session sums the steady_clock time
// per kernel id in the run's RunContext, which no other run touches meanwhile; the
// session's profile is the sum over its contexts.
//
//===----------------------------------------------------------------------===//

#include "session.h"
#include "status.h"

using namespace kiln::runtime;

namespace {
void profileEnter(void *ctx, int32_t) {
  static_cast<RunContext *>(ctx)->kernelStart = std::chrono::steady_clock::now();
}

void profileExit(void *ctx, int32_t kernel) {
  auto now = std::chrono::steady_clock::now();
  auto *s = static_cast<RunContext *>(ctx);
  if (kernel < 0 || static_cast<size_t>(kernel) >= s->kernelTimes.size())
    return; // not in the model's table: nothing to attribute it to
  KernelTimes &t = s->kernelTimes[kernel];
  ++t.calls;
  t.totalNs += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - s->kernelStart).count());
}
} // namespace

void kiln::runtime::initProfileHooks(RunContext &run) {
  run.profileHooks.ctx = &run;
  run.profileHooks.enter = profileEnter;
  run.profileHooks.exit = profileExit;
  run.kernelTimes.assign(run.session->model->profileKernels.size(), KernelTimes());
}

extern "C" {

size_t kiln_model_num_profile_kernels(const kiln_model *model) {
  return model ? model->profileKernels.size() : 0;
}

kiln_status *kiln_session_profile_entry(const kiln_session *session, size_t index,
                                        kiln_profile_entry *entry) {
  if (!session || !entry)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_profile_entry: NULL argument");
  const auto &kernels = session->model->profileKernels;
  if (index >= kernels.size())
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_session_profile_entry: index ", index,
                 " out of range, model '", session->model->modelName, "' has ", kernels.size(),
                 " profiled kernels");
  entry->kernel = kernels[index].kernel;
  entry->nodes = kernels[index].nodes;
  entry->op_types = kernels[index].opTypes;
  entry->calls = entry->total_ns = 0;
  std::lock_guard<std::mutex> lock(session->poolMutex);
  for (const auto &run : session->contexts) {
    entry->calls += run->kernelTimes[index].calls;
    entry->total_ns += run->kernelTimes[index].totalNs;
  }
  return nullptr;
}

void kiln_session_profile_totals(const kiln_session *session, uint64_t *runs, uint64_t *run_ns) {
  uint64_t totalRuns = 0, totalNs = 0;
  if (session) {
    std::lock_guard<std::mutex> lock(session->poolMutex);
    for (const auto &run : session->contexts) {
      totalRuns += run->profiledRuns;
      totalNs += run->profiledRunNs;
    }
  }
  if (runs)
    *runs = totalRuns;
  if (run_ns)
    *run_ns = totalNs;
}

void kiln_session_profile_reset(kiln_session *session) {
  if (!session)
    return;
  std::lock_guard<std::mutex> lock(session->poolMutex);
  for (const auto &run : session->contexts) {
    run->kernelTimes.assign(run->kernelTimes.size(), KernelTimes());
    run->profiledRuns = run->profiledRunNs = 0;
  }
}

} // extern "C"
