//===- session.h - The kiln_session object ----------------------*- C++ -*-===//
//
// Part of Kiln. A session holds what its runs share (the model, the thread pool,
// the allocator) and a pool of RunContexts, one per concurrent run, each allocated
// once and reused (run_context.h), so that steady-state runs allocate nothing.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_SESSION_H
#define KILN_RUNTIME_SRC_SESSION_H

#include "model.h"
#include "run_context.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <tbb/task_arena.h>

struct kiln_session {
  kiln_model *model = nullptr;
  /// The device runs execute on (the model's kind; the host for now).
  kiln_device device{KILN_DEVICE_HOST, 0};
  int32_t numThreads = 1;
  kiln_allocator allocator{};
  /// The thread pool (null when numThreads == 1: everything runs inline). Concurrent
  /// runs share it.
  std::unique_ptr<tbb::task_arena> threads;

  /// Guards `contexts` and `idle`.
  mutable std::mutex poolMutex;
  /// Every context the session made (as many as runs have overlapped at most).
  std::vector<std::unique_ptr<kiln::runtime::RunContext>> contexts;
  /// The contexts no run holds now.
  std::vector<kiln::runtime::RunContext *> idle;
  /// The sum of the contexts' activation arena sizes.
  std::atomic<uint64_t> arenaBytes{0};

  ~kiln_session();
};

namespace kiln::runtime {

/// Checks the inputs against the model.
kiln_status *validateInputs(RunContext &run, const kiln_tensor *const *inputs, size_t numInputs);

/// Points run.inputBuffers at the inputs, staging data that is not 64-byte aligned.
kiln_status *prepareInputBuffers(RunContext &run, const kiln_tensor *const *inputs);

/// Asks the model for the output dims of the prepared inputs and checks them.
kiln_status *computeOutputDims(RunContext &run, const kiln_tensor *const *inputs);

/// The status for a model entry point that returned `rc` != KILN_MODEL_OK, with the
/// message it reported in `err` (kiln/model_abi.h): shape, index and arithmetic
/// errors are the caller's inputs (INVALID_ARGUMENT), memory is RESOURCE_EXHAUSTED.
/// `context` (may be empty) is appended, e.g. the input shapes.
kiln_status *modelError(const kiln_model &model, int32_t rc, const kiln_model_error &err,
                        const std::string &context = "");

/// Checks caller-provided outputs (non-NULL entries) against the computed dims.
kiln_status *validateOutputs(RunContext &run, kiln_tensor *const *outputs);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SRC_SESSION_H
