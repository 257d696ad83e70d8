//===- module.cpp - The kiln._kiln extension module -------------*- C++ -*-===//
//
// Part of Kiln's Python extension: binds Model and Session (session.h) and the
// runtime's version. The public API is the package kiln (kiln/__init__.py).
//
//===----------------------------------------------------------------------===//

#include "arrays.h"
#include "errors.h"
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
}
