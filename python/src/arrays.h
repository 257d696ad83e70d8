//===- arrays.h - numpy arrays in and out of kiln_tensors -------*- C++ -*-===//
//
// Part of Kiln's Python extension. Inputs are wrapped, not copied, when they are
// C-contiguous native-byte-order numpy arrays (data that is not 64-byte aligned is
// staged by the runtime); anything else is converted once by numpy. Outputs become
// numpy arrays over the runtime's buffer, owned by a capsule that releases the
// kiln_tensor: no copy either way.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PYTHON_ARRAYS_H
#define KILN_PYTHON_ARRAYS_H

#include "kiln/runtime.h"

#include <Python.h>

namespace kiln::python {

/// Imports numpy's C API (at module import); false with a Python error set on failure.
bool initArrays();

/// A kiln_tensor over an input's data and the array that keeps the data alive.
struct InputTensor {
  kiln_tensor *tensor = nullptr;
  PyObject *array = nullptr; // strong reference

  InputTensor() = default;
  InputTensor(InputTensor &&other) noexcept;
  InputTensor &operator=(InputTensor &&other) noexcept;
  InputTensor(const InputTensor &) = delete;
  ~InputTensor();
};

/// Wraps `value` (a numpy array, or anything numpy makes one of: a list or a scalar is
/// converted to `modelDtype` when numpy can do so safely) for input `name`. Raises
/// KilnError for what has no Kiln element type; dtype and shape mismatches with the
/// model are left to kiln_session_run, whose message names them.
InputTensor wrapInput(const char *name, PyObject *value, int32_t modelDtype);

/// A numpy array over `tensor`'s data that owns the tensor (released with the array,
/// also when this fails). A new reference.
PyObject *toNumpy(kiln_tensor *tensor);

/// The numpy dtype object of an ONNX element type (ml_dtypes.bfloat16 when importable,
/// else uint16 for bfloat16). A new reference.
PyObject *numpyDtype(int32_t dtype);

} // namespace kiln::python

#endif // KILN_PYTHON_ARRAYS_H
