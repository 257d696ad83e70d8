//===- errors.h - kiln.KilnError from runtime statuses ----------*- C++ -*-===//
//
// Part of Kiln's Python extension. Every failure reaches Python as kiln.KilnError
// (kiln/errors.py) carrying the runtime's status code name and message.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PYTHON_ERRORS_H
#define KILN_PYTHON_ERRORS_H

#include "kiln/runtime.h"

#include <nanobind/nanobind.h>

#include <string>

namespace kiln::python {

/// Looks up kiln.errors.KilnError once (at module import).
void initErrors();

/// Raises KilnError(code, message): sets the Python error and throws
/// nanobind::python_error.
[[noreturn]] void raiseError(kiln_status_code_t code, const std::string &message);

/// A new KilnError(code, message) object, not raised (for a Future). Needs the GIL.
nanobind::object makeError(kiln_status_code_t code, const std::string &message);

/// Raises a KilnError for `status` (freed here) when it is not NULL.
inline void check(kiln_status *status) {
  if (status) {
    kiln_status_code_t code = kiln_status_code(status);
    std::string message = kiln_status_message(status);
    kiln_status_free(status);
    raiseError(code, message);
  }
}

/// A cancel's answer: false when the ticket was not found (already done or never
/// submitted), true on success; raises for any other error (`status` freed here).
inline bool checkCancel(kiln_status *status) {
  if (status && kiln_status_code(status) == KILN_STATUS_NOT_FOUND) {
    kiln_status_free(status);
    return false;
  }
  check(status);
  return true;
}

} // namespace kiln::python

#endif // KILN_PYTHON_ERRORS_H
