//===- host_tensor.h - Tensors for the runtime tools ------------*- C++ -*-===//
//
// Part of Kiln. Plain host tensors read from and written to files by kiln-run
// and kiln-bench: .npy (NumPy) and ONNX TensorProto (.pb) I/O, seeded random
// inputs and checksums. Functions return an error message, empty on success.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_TOOLS_SUPPORT_HOST_TENSOR_H
#define KILN_RUNTIME_TOOLS_SUPPORT_HOST_TENSOR_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::tools {

/// A dense, row-major, little-endian tensor; dtype is an ONNX DataType number.
struct HostTensor {
  std::string name; ///< from a TensorProto's name; may be empty
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

/// Reads a C-order little-endian .npy file (f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1).
std::string readNpy(const std::string &path, HostTensor &out);

/// Writes `data` as a version 1.0 .npy file. bfloat16 is widened to float32
/// (NumPy has no bfloat16).
std::string writeNpy(const std::string &path, int32_t dtype, const std::vector<int64_t> &dims,
                     const void *data, size_t byteSize);

/// Reads a serialized onnx.TensorProto (raw_data or the typed fields).
std::string readTensorProto(const std::string &path, HostTensor &out);

/// Reads a serialized onnx.SequenceProto of tensors (onnx-data.proto): its elements.
std::string readSequenceProto(const std::string &path, std::vector<HostTensor> &out);

/// Fills `count` elements with a fixed-seed pattern: floats in [-1, 1),
/// integers in [0, 10), bools 0/1.
void fillRandom(int32_t dtype, void *data, int64_t count, uint64_t seed);

/// Sum and sum of absolute values of all elements, as doubles.
struct Checksum {
  double sum = 0, absSum = 0;
};
Checksum checksum(int32_t dtype, const void *data, int64_t count);

/// Converts IEEE half and bfloat16 bit patterns to float.
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);

} // namespace kiln::tools

#endif // KILN_RUNTIME_TOOLS_SUPPORT_HOST_TENSOR_H
