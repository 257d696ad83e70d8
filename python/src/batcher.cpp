//===- batcher.cpp - kiln._kiln.Batcher -------------------------*- C++ -*-===//
//
// Part of Kiln's Python extension. See batcher.h.
//
//===----------------------------------------------------------------------===//

#include "batcher.h"
#include "errors.h"

#include <memory>

using namespace kiln::python;

namespace {

/// One submitted request: what keeps its inputs alive and where its result goes.
struct Pending {
  std::vector<InputTensor> held;
  nb::object future, outputNames;
  nb::object session; // the kiln._kiln.Session: its output infos
};

/// kiln_batcher_callback for submit: on a worker thread (or the cancelling one).
void complete(void *self, kiln_status *status, kiln_tensor **outputs, size_t n) {
  OwnedTensors outs(n);
  std::copy(outputs, outputs + n, outs.tensors.begin());
  nb::gil_scoped_acquire gil;
  std::unique_ptr<Pending> pending(static_cast<Pending *>(self)); // freed with the GIL held
  try {
    if (status) {
      kiln_status_code_t code = kiln_status_code(status);
      std::string message = kiln_status_message(status);
      kiln_status_free(status);
      if (code == KILN_STATUS_CANCELLED)
        nb::module_::import_("concurrent.futures").attr("Future").attr("cancel")(pending->future);
      else
        pending->future.attr("set_exception")(makeError(code, message));
      return;
    }
    const Session &session = nb::cast<const Session &>(pending->session);
    nb::dict results = resultsDict(outs, session.outputInfos(), kiln_session_model(session.get()),
                                   pending->outputNames);
    pending->future.attr("set_result")(results);
  } catch (nb::python_error &e) {
    // E.g. the Future was cancelled by other means: nothing to deliver to.
    e.restore();
    PyErr_WriteUnraisable(pending->future.ptr());
  } catch (const std::exception &e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    PyErr_WriteUnraisable(pending->future.ptr());
  }
}

} // namespace

Batcher::Batcher(nb::object session, int64_t maxBatch, int64_t timeoutUs, int64_t queueCapacity,
                 int32_t workers)
    : session_(std::move(session)) {
  kiln_batcher_options options;
  kiln_batcher_options_initialize(&options);
  options.max_batch = maxBatch;
  options.timeout_us = timeoutUs;
  options.queue_capacity = queueCapacity;
  options.num_workers = workers;
  check(kiln_batcher_create(this->session().get(), &options, &batcher_));
}

Batcher::~Batcher() {
  nb::gil_scoped_release release;
  kiln_batcher_release(batcher_);
}

nb::dict Batcher::run(nb::handle feeds, nb::handle outputNames) {
  const Session &s = session();
  std::vector<InputTensor> held;
  std::vector<const kiln_tensor *> ins = wrapFeeds(feeds, s.inputInfos(), held);
  OwnedTensors outs(s.outputInfos().size());
  kiln_status *status;
  {
    nb::gil_scoped_release release;
    status = kiln_batcher_run(batcher_, ins.data(), ins.size(), outs.tensors.data(),
                              outs.tensors.size());
  }
  check(status);
  return resultsDict(outs, s.outputInfos(), kiln_session_model(s.get()), outputNames);
}

uint64_t Batcher::submit(nb::handle feeds, nb::object future, nb::handle outputNames) {
  auto pending = std::make_unique<Pending>();
  std::vector<const kiln_tensor *> ins = wrapFeeds(feeds, session().inputInfos(), pending->held);
  pending->future = std::move(future);
  pending->outputNames = nb::borrow(outputNames);
  pending->session = session_;
  uint64_t ticket = 0;
  kiln_status *status;
  {
    // The callback may run (and take the GIL) before submit returns.
    nb::gil_scoped_release release;
    status =
        kiln_batcher_submit(batcher_, ins.data(), ins.size(), complete, pending.get(), &ticket);
  }
  check(status);     // on failure the callback never runs: `pending` is ours to free
  pending.release(); // the callback owns it now
  return ticket;
}

bool Batcher::cancel(uint64_t ticket) {
  // The callback runs on this thread, with the GIL (held here: nothing in the batcher
  // waits for the GIL while holding its lock).
  return checkCancel(kiln_batcher_cancel(batcher_, ticket));
}

void Batcher::close(bool cancelPending) {
  nb::gil_scoped_release release;
  kiln_batcher_close(batcher_,
                     cancelPending ? KILN_BATCHER_CLOSE_CANCEL : KILN_BATCHER_CLOSE_DRAIN);
}

nb::dict Batcher::stats() const {
  kiln_batcher_stats s{};
  s.struct_size = sizeof(s);
  check(kiln_batcher_get_stats(batcher_, &s));
  nb::dict d;
  d["requests"] = s.requests;
  d["rejected"] = s.rejected;
  d["completed"] = s.completed;
  d["failed"] = s.failed;
  d["cancelled"] = s.cancelled;
  d["batches"] = s.batches;
  d["batched_rows"] = s.batched_rows;
  d["largest_batch"] = s.largest_batch;
  d["split_batches"] = s.split_batches;
  d["queued"] = s.queued;
  d["mean_batch"] = s.batches ? double(s.batched_rows) / double(s.batches) : 0.0;
  return d;
}
