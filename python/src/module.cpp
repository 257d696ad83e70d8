//===- module.cpp - The kiln._kiln extension module -------------*- C++ -*-===//
//
// Part of Kiln's Python extension: binds Model and Session (session.h), Batcher
// (batcher.h), Generator (generator.h) and the runtime's version. The public API is the package
// kiln (kiln/__init__.py).
//
//===----------------------------------------------------------------------===//

#include "arrays.h"
#include "batcher.h"
#include "errors.h"
#include "generator.h"
#include "session.h"

#include <nanobind/stl/string.h>

namespace nb = nanobind;
using namespace nb::literals;
using namespace kiln::python;

NB_MODULE(_kiln, m) {
  m.doc() = "Kiln's native runtime binding; use the package kiln instead.";
  if (!initArrays())
    throw nb::python_error();
  initErrors();

  m.def(
      "runtime_version", [] { return std::string(kiln_runtime_version()); },
      "The runtime's version, e.g. 'kiln-runtime 0.1.0 (model ABI 3)'.");

  nb::class_<Model>(m, "Model", "A loaded model library (kiln_model).")
      .def(nb::init<const std::string &>(), "path"_a)
      .def("_inputs", &Model::inputs)
      .def("_outputs", &Model::outputs)
      .def_prop_ro("metadata", &Model::metadata)
      .def_prop_ro("device", &Model::device);

  nb::class_<Session>(m, "Session", "A session on a model (kiln_session); thread-safe.")
      .def(nb::init<const Model &, int32_t>(), "model"_a, "threads"_a = 0)
      .def("run", &Session::run, "feeds"_a, "output_names"_a = nb::none(),
           "Runs the model on a dict name -> array; returns a dict name -> numpy array.")
      .def_prop_ro("num_threads", &Session::numThreads)
      .def_prop_ro("arena_bytes", &Session::arenaBytes)
      .def_prop_ro("model", &Session::model);

  nb::class_<Batcher>(m, "Batcher", "A request batcher on a session (kiln_batcher); thread-safe.")
      .def(nb::init<nb::object, int64_t, int64_t, int64_t, int32_t>(), "session"_a,
           "max_batch"_a = 32, "timeout_us"_a = 1000, "queue_capacity"_a = 1024, "workers"_a = 1)
      .def("run", &Batcher::run, "feeds"_a, "output_names"_a = nb::none(),
           "Runs one request through the batcher and waits; returns its own results.")
      .def("_submit", &Batcher::submit, "feeds"_a, "future"_a, "output_names"_a = nb::none())
      .def("_cancel", &Batcher::cancel, "ticket"_a)
      .def("_close", &Batcher::close, "cancel_pending"_a = false)
      .def_prop_ro("stats", &Batcher::stats);

  nb::class_<Generator>(m, "Generator",
                        "A continuous batcher for a decoder with a KV cache (kiln_generator).")
      .def(nb::init<nb::object, int32_t, int64_t, const std::string &, const std::string &,
                    const std::string &, const std::string &, nb::list>(),
           "session"_a, "max_active"_a = 8, "queue_capacity"_a = 1024, "input_ids"_a = "input_ids",
           "attention_mask"_a = "attention_mask", "position_ids"_a = "position_ids",
           "logits"_a = "logits", "caches"_a = nb::list())
      .def("_submit", &Generator::submit, "prompt"_a, "max_new_tokens"_a, "stop_token"_a,
           "future"_a, "return_logits"_a, "on_token"_a = nb::none())
      .def("_cancel", &Generator::cancel, "ticket"_a)
      .def("_close", &Generator::close, "cancel_pending"_a = false)
      .def_prop_ro("stats", &Generator::stats);
}
