//===- profile.cpp - Per-kernel times of profiled models --------*- C++ -*-===//
//
// Part of Kiln. A model compiled with `kilnc --profile` calls enter/exit around
// each kernel on the thread that runs it; the session sums the steady_clock time
// per kernel id. Runs on one session never overlap, so no locking is needed.
//
//===----------------------------------------------------------------------===//

#include "session.h"
#include "status.h"

using namespace kiln::runtime;

namespace {
void profileEnter(void *ctx, int32_t) {
  static_cast<kiln_session *>(ctx)->kernelStart = std::chrono::steady_clock::now();
}

void profileExit(void *ctx, int32_t kernel) {
  auto now = std::chrono::steady_clock::now();
  auto *s = static_cast<kiln_session *>(ctx);
  if (kernel < 0 || static_cast<size_t>(kernel) >= s->kernelTimes.size())
    return; // not in the model's table: nothing to attribute it to
  KernelTimes &t = s->kernelTimes[kernel];
  ++t.calls;
  t.totalNs += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - s->kernelStart).count());
}
} // namespace

void kiln::runtime::initProfileHooks(kiln_session &session) {
  session.profileHooks.ctx = &session;
  session.profileHooks.enter = profileEnter;
  session.profileHooks.exit = profileExit;
  session.kernelTimes.assign(session.model->profileKernels.size(), KernelTimes());
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
  entry->calls = session->kernelTimes[index].calls;
  entry->total_ns = session->kernelTimes[index].totalNs;
  return nullptr;
}

void kiln_session_profile_totals(const kiln_session *session, uint64_t *runs, uint64_t *run_ns) {
  if (runs)
    *runs = session ? session->profiledRuns : 0;
  if (run_ns)
    *run_ns = session ? session->profiledRunNs : 0;
}

void kiln_session_profile_reset(kiln_session *session) {
  if (!session)
    return;
  session->kernelTimes.assign(session->kernelTimes.size(), KernelTimes());
  session->profiledRuns = session->profiledRunNs = 0;
}

} // extern "C"
