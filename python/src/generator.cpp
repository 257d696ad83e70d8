//===- generator.cpp - kiln._kiln.Generator ---------------------*- C++ -*-===//
//
// Part of Kiln's Python extension. See generator.h.
//
//===----------------------------------------------------------------------===//

#include "generator.h"
#include "errors.h"

#include <nanobind/stl/string.h>

#include <cstring>
#include <memory>

using namespace kiln::python;
using namespace nanobind::literals;

namespace {

/// One submitted request: where its tokens go. Freed by `done`, with the GIL held.
struct Pending {
  nb::object future, onToken;
  bool returnLogits = false;
  std::vector<float> logits; // [tokens, vocab] when returnLogits
  int64_t vocab = 0;
};

void onToken(void *self, int64_t token, const float *logits, int64_t vocab) {
  auto *p = static_cast<Pending *>(self);
  if (p->returnLogits) {
    p->logits.insert(p->logits.end(), logits, logits + vocab);
    p->vocab = vocab;
  }
  if (p->onToken.is_valid() && !p->onToken.is_none()) {
    nb::gil_scoped_acquire gil;
    try {
      p->onToken(token);
    } catch (nb::python_error &e) {
      e.restore();
      PyErr_WriteUnraisable(p->onToken.ptr());
    }
  }
}

nb::object int64Array(const int64_t *data, size_t n) {
  nb::object np = nb::module_::import_("numpy");
  nb::object a = np.attr("empty")(n, "dtype"_a = "int64");
  if (n) {
    Py_buffer view;
    if (PyObject_GetBuffer(a.ptr(), &view, PyBUF_WRITABLE) == 0) {
      std::memcpy(view.buf, data, n * sizeof(int64_t));
      PyBuffer_Release(&view);
    } else {
      throw nb::python_error();
    }
  }
  return a;
}

nb::object floatMatrix(const std::vector<float> &v, size_t rows, int64_t cols) {
  nb::object np = nb::module_::import_("numpy");
  nb::object a = np.attr("empty")(nb::make_tuple(rows, cols), "dtype"_a = "float32");
  if (!v.empty()) {
    Py_buffer view;
    if (PyObject_GetBuffer(a.ptr(), &view, PyBUF_WRITABLE) != 0)
      throw nb::python_error();
    std::memcpy(view.buf, v.data(), v.size() * sizeof(float));
    PyBuffer_Release(&view);
  }
  return a;
}

void onDone(void *self, kiln_status *status, const int64_t *tokens, size_t n) {
  nb::gil_scoped_acquire gil;
  std::unique_ptr<Pending> p(static_cast<Pending *>(self)); // freed with the GIL held
  try {
    nb::object arr = int64Array(tokens, n);
    if (status) {
      kiln_status_code_t code = kiln_status_code(status);
      std::string message = kiln_status_message(status);
      kiln_status_free(status);
      if (code == KILN_STATUS_CANCELLED) {
        nb::module_::import_("concurrent.futures").attr("Future").attr("cancel")(p->future);
        return;
      }
      nb::object err = makeError(code, message);
      err.attr("tokens") = arr;
      p->future.attr("set_exception")(err);
      return;
    }
    nb::object logits = p->returnLogits ? floatMatrix(p->logits, n, p->vocab) : nb::none();
    p->future.attr("_finish")(arr, logits);
  } catch (nb::python_error &e) {
    e.restore();
    PyErr_WriteUnraisable(p->future.ptr());
  } catch (const std::exception &e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    PyErr_WriteUnraisable(p->future.ptr());
  }
}

} // namespace

Generator::Generator(nb::object session, int32_t maxActive, int64_t queueCapacity,
                     const std::string &inputIds, const std::string &attentionMask,
                     const std::string &positionIds, const std::string &logits, nb::list caches)
    : session_(std::move(session)) {
  kiln_generator_options options;
  kiln_generator_options_initialize(&options);
  options.max_active = maxActive;
  options.queue_capacity = queueCapacity;
  kiln_decoder_desc desc;
  kiln_decoder_desc_initialize(&desc);
  desc.input_ids = inputIds.c_str();
  desc.attention_mask = attentionMask.c_str();
  desc.position_ids = positionIds.c_str();
  desc.logits = logits.c_str();
  std::vector<std::string> names;
  std::vector<kiln_decoder_cache> list;
  names.reserve(2 * caches.size());
  for (nb::handle c : caches) {
    nb::tuple t = nb::cast<nb::tuple>(c);
    names.push_back(nb::cast<std::string>(t[0]));
    names.push_back(nb::cast<std::string>(t[1]));
    list.push_back({nullptr, nullptr, nb::cast<int32_t>(t[2])});
  }
  for (size_t i = 0; i < list.size(); ++i) {
    list[i].past_input = names[2 * i].c_str();
    list[i].present_output = names[2 * i + 1].c_str();
  }
  desc.caches = list.empty() ? nullptr : list.data();
  desc.num_caches = list.size();
  const Session &s = nb::cast<const Session &>(session_);
  check(kiln_generator_create(s.get(), &desc, &options, &generator_));
}

Generator::~Generator() {
  nb::gil_scoped_release release;
  kiln_generator_release(generator_);
}

uint64_t Generator::submit(nb::handle prompt, int32_t maxNewTokens, int64_t stopToken,
                           nb::object future, bool returnLogits, nb::object onTokenFn) {
  nb::object np = nb::module_::import_("numpy");
  nb::object ids = np.attr("ascontiguousarray")(prompt, "dtype"_a = "int64");
  if (nb::cast<int>(ids.attr("ndim")) != 1)
    raiseError(KILN_STATUS_INVALID_ARGUMENT, "the prompt must be a 1-D sequence of token ids");
  Py_buffer view;
  if (PyObject_GetBuffer(ids.ptr(), &view, PyBUF_C_CONTIGUOUS) != 0)
    throw nb::python_error();
  auto pending = std::make_unique<Pending>();
  pending->future = std::move(future);
  pending->onToken = std::move(onTokenFn);
  pending->returnLogits = returnLogits;
  kiln_generate_request r;
  kiln_generate_request_initialize(&r);
  r.prompt = static_cast<const int64_t *>(view.buf);
  r.prompt_length = static_cast<size_t>(view.len) / sizeof(int64_t);
  r.max_new_tokens = maxNewTokens;
  r.stop_token = stopToken;
  kiln_generate_callbacks cb{pending.get(), onToken, onDone};
  uint64_t ticket = 0;
  kiln_status *status;
  {
    // The callbacks may run (and take the GIL) before submit returns; the prompt is
    // copied by submit.
    nb::gil_scoped_release release;
    status = kiln_generator_submit(generator_, &r, &cb, &ticket);
  }
  PyBuffer_Release(&view);
  check(status);     // on failure no callback runs: `pending` is ours to free
  pending.release(); // onDone owns it now
  return ticket;
}

bool Generator::cancel(uint64_t ticket) {
  // A queued request's `done` runs on this thread and takes the GIL (held here: the
  // generator never waits for the GIL while holding its lock).
  return checkCancel(kiln_generator_cancel(generator_, ticket));
}

void Generator::close(bool cancelPending) {
  nb::gil_scoped_release release;
  kiln_generator_close(generator_,
                       cancelPending ? KILN_GENERATOR_CLOSE_CANCEL : KILN_GENERATOR_CLOSE_DRAIN);
}

nb::dict Generator::stats() const {
  kiln_generator_stats s{};
  s.struct_size = sizeof(s);
  check(kiln_generator_get_stats(generator_, &s));
  nb::dict d;
  d["requests"] = s.requests;
  d["rejected"] = s.rejected;
  d["completed"] = s.completed;
  d["failed"] = s.failed;
  d["cancelled"] = s.cancelled;
  d["prefills"] = s.prefills;
  d["steps"] = s.steps;
  d["step_rows"] = s.step_rows;
  d["largest_step"] = s.largest_step;
  d["padded_positions"] = s.padded_positions;
  d["tokens"] = s.tokens;
  d["split_steps"] = s.split_steps;
  d["queued"] = s.queued;
  d["active"] = s.active;
  d["mean_step"] = s.steps ? double(s.step_rows) / double(s.steps) : 0.0;
  return d;
}
