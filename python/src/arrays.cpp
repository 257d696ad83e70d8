//===- arrays.cpp - numpy arrays in and out of kiln_tensors -----*- C++ -*-===//
//
// Part of Kiln's Python extension. See arrays.h. The only file that uses numpy's C API.
//
//===----------------------------------------------------------------------===//

#include "arrays.h"
#include "errors.h"

#include <nanobind/nanobind.h>

#define PY_ARRAY_UNIQUE_SYMBOL kiln_python_ARRAY_API
#include <numpy/arrayobject.h>

#include <cstring>
#include <string>

namespace nb = nanobind;
using namespace kiln::python;

static_assert(sizeof(npy_intp) == sizeof(int64_t), "numpy dims are passed as int64_t dims");

namespace {
constexpr const char *kCapsuleName = "kiln_tensor";

/// The ONNX element type of a numpy dtype, 0 when Kiln has none.
int32_t onnxDtype(const PyArray_Descr *d) {
  int size = static_cast<int>(PyDataType_ELSIZE(d));
  switch (d->kind) {
  case 'f':
    return size == 4 ? 1 : size == 8 ? 11 : size == 2 ? 10 : 0;
  case 'i':
    return size == 1 ? 3 : size == 2 ? 5 : size == 4 ? 6 : size == 8 ? 7 : 0;
  case 'u':
    return size == 1 ? 2 : size == 2 ? 4 : size == 4 ? 12 : size == 8 ? 13 : 0;
  case 'b':
    return size == 1 ? 9 : 0;
  case 'V': // ml_dtypes.bfloat16
    return size == 2 && d->type == 'E' ? 16 : 0;
  default:
    return 0;
  }
}

/// The numpy type number of an ONNX element type (bfloat16 aside), -1 when none.
int numpyTypeNum(int32_t dtype) {
  switch (dtype) {
  case 1:
    return NPY_FLOAT32;
  case 2:
    return NPY_UINT8;
  case 3:
    return NPY_INT8;
  case 4:
    return NPY_UINT16;
  case 5:
    return NPY_INT16;
  case 6:
    return NPY_INT32;
  case 7:
    return NPY_INT64;
  case 9:
    return NPY_BOOL;
  case 10:
    return NPY_FLOAT16;
  case 11:
    return NPY_FLOAT64;
  case 12:
    return NPY_UINT32;
  case 13:
    return NPY_UINT64;
  default:
    return -1;
  }
}

/// numpy's dtype for bfloat16: ml_dtypes' when installed, else uint16 (the raw bits).
PyArray_Descr *bfloat16Descr() {
  static PyObject *descr = [] {
    PyObject *result = nullptr;
    if (PyObject *module = PyImport_ImportModule("ml_dtypes")) {
      if (PyObject *type = PyObject_GetAttrString(module, "bfloat16")) {
        PyArray_DescrConverter(type, reinterpret_cast<PyArray_Descr **>(&result));
        Py_DECREF(type);
      }
      Py_DECREF(module);
    }
    PyErr_Clear();
    return result ? result : reinterpret_cast<PyObject *>(PyArray_DescrFromType(NPY_UINT16));
  }();
  Py_INCREF(descr);
  return reinterpret_cast<PyArray_Descr *>(descr);
}

PyArray_Descr *descrOf(int32_t dtype) {
  if (dtype == 16)
    return bfloat16Descr();
  int num = numpyTypeNum(dtype);
  return num < 0 ? nullptr : PyArray_DescrFromType(num);
}

void releaseCapsule(PyObject *capsule) {
  kiln_tensor_release(static_cast<kiln_tensor *>(PyCapsule_GetPointer(capsule, kCapsuleName)));
}

/// An array numpy makes of a value that is not one already: numpy's own dtype, cast to
/// the model's when numpy calls that cast safe or same-kind (Python floats for a float32
/// input, Python ints for an int32 one). A new reference.
PyObject *arrayFromValue(PyObject *value, int32_t modelDtype) {
  PyObject *array = PyArray_FromAny(value, nullptr, 0, 0, NPY_ARRAY_DEFAULT, nullptr);
  if (!array)
    throw nb::python_error();
  PyArray_Descr *want = descrOf(modelDtype);
  auto *arr = reinterpret_cast<PyArrayObject *>(array);
  if (want && !PyArray_EquivTypes(PyArray_DESCR(arr), want) &&
      PyArray_CanCastTypeTo(PyArray_DESCR(arr), want, NPY_SAME_KIND_CASTING)) {
    PyObject *cast = PyArray_FromAny(array, want, 0, 0, NPY_ARRAY_DEFAULT | NPY_ARRAY_FORCECAST,
                                     nullptr); // steals `want`
    Py_DECREF(array);
    if (!cast)
      throw nb::python_error();
    return cast;
  }
  Py_XDECREF(want);
  return array;
}
} // namespace

bool kiln::python::initArrays() {
  import_array1(false);
  return true;
}

InputTensor::InputTensor(InputTensor &&other) noexcept : tensor(other.tensor), array(other.array) {
  other.tensor = nullptr;
  other.array = nullptr;
}

InputTensor &InputTensor::operator=(InputTensor &&other) noexcept {
  std::swap(tensor, other.tensor);
  std::swap(array, other.array);
  return *this;
}

InputTensor::~InputTensor() {
  kiln_tensor_release(tensor);
  Py_XDECREF(array);
}

InputTensor kiln::python::wrapInput(const char *name, PyObject *value, int32_t modelDtype) {
  InputTensor in;
  constexpr int kUsable = NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED;
  if (PyArray_Check(value) && PyArray_CHKFLAGS(reinterpret_cast<PyArrayObject *>(value), kUsable) &&
      PyArray_ISNOTSWAPPED(reinterpret_cast<PyArrayObject *>(value))) {
    Py_INCREF(value);
    in.array = value; // the fast path: no copy
  } else if (PyArray_Check(value)) {
    // One copy: C order, aligned, native byte order, same dtype.
    in.array =
        PyArray_FromAny(value, nullptr, 0, 0, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_NOTSWAPPED, nullptr);
    if (!in.array)
      throw nb::python_error();
  } else {
    in.array = arrayFromValue(value, modelDtype);
  }
  auto *arr = reinterpret_cast<PyArrayObject *>(in.array);
  int32_t dtype = onnxDtype(PyArray_DESCR(arr));
  if (!dtype) {
    nb::str repr = nb::str(nb::handle(reinterpret_cast<PyObject *>(PyArray_DESCR(arr))));
    raiseError(KILN_STATUS_UNIMPLEMENTED, std::string("input '") + name + "': numpy dtype " +
                                              repr.c_str() + " has no Kiln element type");
  }
  static const int64_t kNoDims[1] = {0};
  int rank = PyArray_NDIM(arr);
  const int64_t *dims = rank ? reinterpret_cast<const int64_t *>(PyArray_DIMS(arr)) : kNoDims;
  check(kiln_tensor_wrap(dtype, rank, dims, PyArray_DATA(arr),
                         static_cast<size_t>(PyArray_NBYTES(arr)), &in.tensor));
  return in;
}

PyObject *kiln::python::toNumpy(kiln_tensor *tensor) {
  PyObject *capsule = PyCapsule_New(tensor, kCapsuleName, releaseCapsule);
  if (!capsule) {
    kiln_tensor_release(tensor);
    throw nb::python_error();
  }
  PyArray_Descr *descr = descrOf(kiln_tensor_dtype(tensor));
  if (!descr) {
    Py_DECREF(capsule);
    raiseError(KILN_STATUS_UNIMPLEMENTED, std::string("an output of element type ") +
                                              kiln_dtype_name(kiln_tensor_dtype(tensor)) +
                                              " has no numpy dtype");
  }
  void *data = kiln_tensor_data(tensor);
  static char kEmpty[1];
  PyObject *array = PyArray_NewFromDescr(
      &PyArray_Type, descr, kiln_tensor_rank(tensor),
      const_cast<npy_intp *>(reinterpret_cast<const npy_intp *>(kiln_tensor_dims(tensor))), nullptr,
      data ? data : kEmpty, NPY_ARRAY_CARRAY, nullptr); // steals `descr`
  if (!array) {
    Py_DECREF(capsule);
    throw nb::python_error();
  }
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject *>(array), capsule) < 0) { // steals
    Py_DECREF(array);
    throw nb::python_error();
  }
  return array;
}

PyObject *kiln::python::numpyDtype(int32_t dtype) {
  PyArray_Descr *descr = descrOf(dtype);
  if (!descr)
    raiseError(KILN_STATUS_UNIMPLEMENTED,
               std::string("element type ") + kiln_dtype_name(dtype) + " has no numpy dtype");
  return reinterpret_cast<PyObject *>(descr);
}
