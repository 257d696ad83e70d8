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
  case 9:  // bool
  case 17: // float8e4m3fn
  case 18: // float8e4m3fnuz
  case 19: // float8e5m2
  case 20: // float8e5m2fnuz
  case 24: // float8e8m0
    return 1;
  case 21: // uint4, one element per byte (see model_abi.h)
  case 22: // int4
  case 23: // float4e2m1
  case 25: // uint2
  case 26: // int2
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
  case 17:
    return "float8e4m3fn";
  case 18:
    return "float8e4m3fnuz";
  case 19:
    return "float8e5m2";
  case 20:
    return "float8e5m2fnuz";
  case 21:
    return "uint4";
  case 22:
    return "int4";
  case 23:
    return "float4e2m1";
  case 24:
    return "float8e8m0";
  case 25:
    return "uint2";
  case 26:
    return "int2";
  default:
    return "unknown";
  }
}

} // extern "C"
