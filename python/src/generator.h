//===- generator.h - kiln._kiln.Generator -----------------------*- C++ -*-===//
//
// Part of Kiln's Python extension: the native half of kiln.Generator (kiln/generator.py
// adds the Future type, the result type and defaults) over kiln_generator
// (kiln/generator.h), the continuous batcher for decoders with a KV cache. submit
// completes a concurrent.futures.Future from the scheduler thread, taking the GIL only
// to build the result (and to call on_token, when given).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PYTHON_GENERATOR_H
#define KILN_PYTHON_GENERATOR_H

#include "session.h"

#include "kiln/generator.h"

namespace kiln::python {

class Generator {
public:
  /// A generator on `session` (a kiln._kiln.Session, kept alive by the generator).
  /// `caches` is a list of (past input, present output, seq axis); empty: optimum's names.
  Generator(nb::object session, int32_t maxActive, int64_t queueCapacity,
            const std::string &inputIds, const std::string &attentionMask,
            const std::string &positionIds, const std::string &logits, nb::list caches);
  Generator(const Generator &) = delete;
  Generator &operator=(const Generator &) = delete;
  /// Drains (with the GIL released: callbacks need it) and frees the generator.
  ~Generator();

  /// Queues a request; `future` gets (tokens, logits or None) or the error (a KilnError
  /// with .tokens, the tokens so far), or is cancelled. Returns the ticket.
  uint64_t submit(nb::handle prompt, int32_t maxNewTokens, int64_t stopToken, nb::object future,
                  bool returnLogits, nb::object onToken);
  /// kiln_generator_cancel: true when the request was queued or active (it ends
  /// cancelled, or with its result when its last step was running), false when done.
  bool cancel(uint64_t ticket);
  void close(bool cancelPending);
  nb::dict stats() const;

private:
  nb::object session_;
  kiln_generator *generator_ = nullptr;
};

} // namespace kiln::python

#endif // KILN_PYTHON_GENERATOR_H
