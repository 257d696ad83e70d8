//===- dtype.cpp - ONNX element types ---------------------------*- C++ -*-===//
//
// Part of Kiln. Sizes and names of the ONNX TensorProto.DataType values the
// runtime supports.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime.h"

extern "C" {

size_t kiln_dtype_size(int32_t dtype) {
  switch (dtype) {
  case 2: // uint8
  case 3: // int8
  case 9: // bool
    return 1;
  case 4:  // uint16
  case 5:  // int16
  case 10: // float16
  case 16: // bfloat16
    return 2;
  case 1:  // float32
  case 6:  // int32
  case 12: // uint32
    return 4;
  case 7:  // int64
  case 11: // float64
  case 13: // uint64
    return 8;
  default:
    return 0;
  }
}

const char *kiln_dtype_name(int32_t dtype) {
  switch (dtype) {
  case 1:
    return "float32";
  case 2:
    return "uint8";
  case 3:
    return "int8";
  case 4:
    return "uint16";
  case 5:
    return "int16";
  case 6:
    return "int32";
  case 7:
    return "int64";
  case 8:
    return "string";
  case 9:
    return "bool";
  case 10:
    return "float16";
  case 11:
    return "float64";
  case 12:
    return "uint32";
  case 13:
    return "uint64";
  case 14:
    return "complex64";
  case 15:
    return "complex128";
  case 16:
    return "bfloat16";
  default:
    return "unknown";
  }
}

} // extern "C"
