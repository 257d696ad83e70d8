// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that BitCast between types of one width is an elementwise arith.bitcast.
// CHECK-LABEL: func.func @float_to_int
// CHECK: linalg.generic
// CHECK: arith.bitcast {{.*}} : f32 to i32
func.func @float_to_int(%x: tensor<2x?xf32>) -> tensor<2x?xi32> {
  %0 = "onnx.BitCast"(%x) <{to = 6 : i64}> : (tensor<2x?xf32>) -> tensor<2x?xi32>
  return %0 : tensor<2x?xi32>
}

// -----

// Tests that a bool becomes the byte 0 or 1.
// CHECK-LABEL: func.func @bool_to_uint8
// CHECK: arith.extui {{.*}} : i1 to i8
func.func @bool_to_uint8(%x: tensor<4xi1>) -> tensor<4xui8> {
  %0 = "onnx.BitCast"(%x) <{to = 2 : i64}> : (tensor<4xi1>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// Tests that a byte becomes a bool that is true when it is nonzero.
// CHECK-LABEL: func.func @int8_to_bool
// CHECK: arith.cmpi ne
func.func @int8_to_bool(%x: tensor<4xi8>) -> tensor<4xi1> {
  %0 = "onnx.BitCast"(%x) <{to = 9 : i64}> : (tensor<4xi8>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}
