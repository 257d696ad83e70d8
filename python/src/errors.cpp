//===- errors.cpp - kiln.KilnError from runtime statuses --------*- C++ -*-===//
//
// Part of Kiln's Python extension. See errors.h.
//
//===----------------------------------------------------------------------===//

#include "errors.h"

#include <nanobind/nanobind.h>

namespace nb = nanobind;

namespace {
/// kiln.errors.KilnError; a strong reference kept for the life of the process.
PyObject *gKilnError = nullptr;
} // namespace

void kiln::python::initErrors() {
  nb::object type = nb::module_::import_("kiln.errors").attr("KilnError");
  gKilnError = type.release().ptr();
}

nb::object kiln::python::makeError(kiln_status_code_t code, const std::string &message) {
  return nb::borrow(gKilnError)(nb::str(kiln_status_code_name(code)),
                                nb::str(message.data(), message.size()));
}

void kiln::python::raiseError(kiln_status_code_t code, const std::string &message) {
  nb::object error = makeError(code, message);
  PyErr_SetObject(gKilnError, error.ptr());
  throw nb::python_error();
}
