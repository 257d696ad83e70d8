//===- sequence.cpp - ONNX sequences at the C API ---------------*- C++ -*-===//
//
// Part of Kiln. A sequence crosses the model ABI as two buffers, its packed data and
// its [n, rank] int64 shape table (model_abi.h); these functions convert lists of
// tensors to and from that form.
//
//===----------------------------------------------------------------------===//

#include "model.h"
#include "status.h"
#include "tensor.h"

#include <cstring>

using namespace kiln::runtime;

namespace {

int32_t kindOf(const kiln_model *model, size_t index, bool input) {
  if (!model)
    return -1;
  const auto &list = input ? model->inputs : model->outputs;
  return index < list.size() ? list[index].kind : -1;
}

/// Product of `dims`, or -1 on a negative dim or overflow.
int64_t numElements(const int64_t *dims, int64_t rank) {
  int64_t n = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (dims[d] < 0 || (dims[d] && n > INT64_MAX / dims[d]))
      return -1;
    n *= dims[d];
  }
  return n;
}

} // namespace

extern "C" {

int32_t kiln_model_input_kind(const kiln_model *model, size_t index) {
  return kindOf(model, index, /*input=*/true);
}

int32_t kiln_model_output_kind(const kiln_model *model, size_t index) {
  return kindOf(model, index, /*input=*/false);
}

kiln_status *kiln_sequence_pack(const kiln_tensor *const *elements, size_t count, int32_t dtype,
                                int32_t rank, kiln_tensor **data, kiln_tensor **shapes) {
  KILN_API_GUARD_BEGIN
  if (!data || !shapes || (count && !elements))
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_sequence_pack: NULL argument");
  *data = *shapes = nullptr;
  if (rank < 0 || kiln_dtype_size(dtype) == 0)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_sequence_pack: invalid dtype ", dtype,
                 " or rank ", rank);
  int64_t total = 0;
  for (size_t k = 0; k < count; ++k) {
    const kiln_tensor *t = elements[k];
    if (!t)
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_sequence_pack: element ", k, " is NULL");
    if (t->dtype != dtype)
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_sequence_pack: element ", k, " has dtype ",
                   kiln_dtype_name(t->dtype), ", the sequence holds ", kiln_dtype_name(dtype));
    if (static_cast<int32_t>(t->dims.size()) != rank)
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_sequence_pack: element ", k, " has rank ",
                   t->dims.size(), ", the sequence holds rank ", rank);
    total += kiln_tensor_num_elements(t);
  }
  kiln_allocator a = kiln_allocator_default();
  int64_t dataDims[1] = {total};
  int64_t shapeDims[2] = {static_cast<int64_t>(count), rank};
  if (kiln_status *s = createTensor(dtype, 1, dataDims, a, data))
    return s;
  if (kiln_status *s = createTensor(7, 2, shapeDims, a, shapes)) {
    kiln_tensor_release(*data);
    *data = nullptr;
    return s;
  }
  char *out = static_cast<char *>((*data)->data);
  int64_t *table = static_cast<int64_t *>((*shapes)->data);
  for (size_t k = 0; k < count; ++k) {
    const kiln_tensor *t = elements[k];
    if (t->byteSize)
      std::memcpy(out, t->data, t->byteSize);
    out += t->byteSize;
    for (int32_t d = 0; d < rank; ++d)
      table[k * rank + d] = t->dims[d];
  }
  return nullptr;
  KILN_API_GUARD_END("kiln_sequence_pack")
}

kiln_status *kiln_sequence_unpack(const kiln_tensor *data, const kiln_tensor *shapes,
                                  kiln_tensor **elements, size_t capacity, size_t *count) {
  KILN_API_GUARD_BEGIN
  if (!data || !shapes || !count)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_sequence_unpack: NULL argument");
  if (shapes->dtype != 7 || shapes->dims.size() != 2 || data->dims.size() != 1)
    return error(KILN_STATUS_INVALID_ARGUMENT,
                 "kiln_sequence_unpack: expected 1-D data and an int64 [n, rank] shape table");
  int64_t n = shapes->dims[0], rank = shapes->dims[1];
  const int64_t *table = static_cast<const int64_t *>(shapes->data);
  int64_t total = 0;
  for (int64_t k = 0; k < n; ++k) {
    int64_t size = numElements(table + k * rank, rank);
    if (size < 0 || total > INT64_MAX - size)
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_sequence_unpack: element ", k,
                   " has an invalid shape");
    total += size;
  }
  if (total != data->dims[0])
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_sequence_unpack: the elements hold ", total,
                 " values, the data ", data->dims[0]);
  *count = static_cast<size_t>(n);
  if (!elements || capacity < *count)
    return nullptr;
  size_t elemSize = kiln_dtype_size(data->dtype);
  const char *in = static_cast<const char *>(data->data);
  kiln_allocator a = kiln_allocator_default();
  for (int64_t k = 0; k < n; ++k) {
    if (kiln_status *s = createTensor(data->dtype, static_cast<int32_t>(rank), table + k * rank, a,
                                      &elements[k])) {
      for (int64_t j = 0; j < k; ++j) {
        kiln_tensor_release(elements[j]);
        elements[j] = nullptr;
      }
      return s;
    }
    size_t bytes = static_cast<size_t>(numElements(table + k * rank, rank)) * elemSize;
    if (bytes)
      std::memcpy(elements[k]->data, in, bytes);
    in += bytes;
  }
  return nullptr;
  KILN_API_GUARD_END("kiln_sequence_unpack")
}

} // extern "C"
