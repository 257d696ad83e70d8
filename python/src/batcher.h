//===- batcher.h - kiln._kiln.Batcher ---------------------------*- C++ -*-===//
//
// Part of Kiln's Python extension: the native half of kiln.Batcher (kiln/batcher.py
// adds the Future type and defaults) over kiln_batcher (kiln/runtime.h). run blocks
// with the GIL released; submit completes a concurrent.futures.Future from the
// batcher's worker thread, taking the GIL only to build the results.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PYTHON_BATCHER_H
#define KILN_PYTHON_BATCHER_H

#include "session.h"

namespace kiln::python {

class Batcher {
public:
  /// A batcher on `session` (a kiln._kiln.Session, kept alive by the batcher).
  Batcher(nb::object session, int64_t maxBatch, int64_t timeoutUs, int64_t queueCapacity,
          int32_t workers);
  Batcher(const Batcher &) = delete;
  Batcher &operator=(const Batcher &) = delete;
  /// Drains (with the GIL released: callbacks need it) and frees the batcher.
  ~Batcher();

  /// One request, blocking: the results of `feeds` like Session.run.
  nb::dict run(nb::handle feeds, nb::handle outputNames);
  /// Queues `feeds` and returns its ticket; `future` gets the results (set_result), the
  /// error (set_exception, a KilnError) or is cancelled (concurrent.futures.Future.cancel).
  uint64_t submit(nb::handle feeds, nb::object future, nb::handle outputNames);
  /// kiln_batcher_cancel: true when the request was still queued (its Future is now
  /// cancelled), false when it already runs or is done.
  bool cancel(uint64_t ticket);
  /// kiln_batcher_close: drains, or cancels what is queued when `cancelPending`.
  void close(bool cancelPending);
  /// kiln_batcher_get_stats as a dict.
  nb::dict stats() const;

  const Session &session() const { return nb::cast<const Session &>(session_); }

private:
  nb::object session_;
  kiln_batcher *batcher_ = nullptr;
};

} // namespace kiln::python

#endif // KILN_PYTHON_BATCHER_H
