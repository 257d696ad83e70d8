// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that a per-tensor QuantizeLinear to uint8 divides, rounds half to even, adds the
// zero point and clamps to [0, 255] before converting.
// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.addf
// CHECK: [[LO:%.+]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.+}}, [[LO]]
// CHECK: [[HI:%.+]] = arith.constant 2.550000e+02 : f32
// CHECK: arith.minimumf %{{.+}}, [[HI]]
// CHECK: arith.fptoui {{.*}} : f32 to i8
func.func @quantize_per_tensor(%x: tensor<2x3xf32>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<2x3xui8> {
  %0 = "onnx.QuantizeLinear"(%x, %s, %z) : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

// Tests that a per-axis DequantizeLinear reads the scale and zero point along axis 1.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: [[AX:#.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @dequantize_axis
// CHECK: linalg.generic {indexing_maps = {{\[}}[[ID]], [[AX]], [[AX]], [[ID]]]
// CHECK: arith.sitofp
// CHECK: arith.subf
// CHECK: arith.mulf
func.func @dequantize_axis(%x: tensor<2x3xi8>, %s: tensor<3xf32>, %z: tensor<3xi8>) -> tensor<2x3xf32> {
  %0 = "onnx.DequantizeLinear"(%x, %s, %z) {axis = 1 : i64} : (tensor<2x3xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that blocked quantization reads one scale per block_size elements of the axis.
// CHECK-DAG: [[BLK:#.+]] = affine_map<(d0, d1) -> (d0, d1 floordiv 2)>
// CHECK-LABEL: func.func @quantize_blocked
// CHECK: linalg.generic {indexing_maps = [{{.+}}, [[BLK]], {{.+}}]
// CHECK: arith.fptosi {{.*}} : f32 to i8
func.func @quantize_blocked(%x: tensor<3x4xf32>, %s: tensor<3x2xf32>) -> tensor<3x4xi8> {
  %none = onnx.NoValue
  %0 = "onnx.QuantizeLinear"(%x, %s, %none) {axis = 1 : i64, block_size = 2 : i64} : (tensor<3x4xf32>, tensor<3x2xf32>, none) -> tensor<3x4xi8>
  return %0 : tensor<3x4xi8>
}

// -----

// Tests that quantizing to float8 rounds in software on the f32 bit pattern and
// bitcasts the result, as LLVM has no f8 arithmetic.
// CHECK-LABEL: func.func @quantize_f8
// CHECK: arith.divf
// CHECK: arith.bitcast {{.*}} : f32 to i32
// CHECK: arith.trunci {{.*}} : i32 to i8
// CHECK: arith.bitcast {{.*}} : i8 to f8E4M3FN
func.func @quantize_f8(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf8E4M3FN> {
  %z = "onnx.Constant"() {value = dense<0.0> : tensor<f8E4M3FN>} : () -> tensor<f8E4M3FN>
  %0 = "onnx.QuantizeLinear"(%x, %s, %z) : (tensor<4xf32>, tensor<f32>, tensor<f8E4M3FN>) -> tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// -----

// Tests that dequantizing float8 widens the bit pattern to f32 in software.
// CHECK-LABEL: func.func @dequantize_f8
// CHECK: arith.bitcast {{.*}} : f8E5M2 to i8
// CHECK: arith.extui {{.*}} : i8 to i32
// CHECK: arith.bitcast {{.*}} : i32 to f32
// CHECK: arith.mulf
func.func @dequantize_f8(%x: tensor<4xf8E5M2>, %s: tensor<f32>) -> tensor<4xf32> {
  %none = onnx.NoValue
  %0 = "onnx.DequantizeLinear"(%x, %s, %none) : (tensor<4xf8E5M2>, tensor<f32>, none) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that per-axis quantization parameters of dynamic size are checked against the
// data's axis (equal, or 1: a run-time 1 is per tensor, as in ONNX Runtime).
// CHECK-LABEL: func.func @dequant_per_axis_dynamic
// CHECK: kiln.check {{.*}}message = "node 'dq' (DequantizeLinear): the scale has size {} in dim 0 where the data's axis has {} (expected equal sizes, or 1)"
// CHECK: kiln.check {{.*}}message = "node 'dq' (DequantizeLinear): the zero point has size {} in dim 0 where the data's axis has {} (expected equal sizes, or 1)"
// CHECK: linalg.generic
func.func @dequant_per_axis_dynamic(%x: tensor<2x?xi8>, %s: tensor<?xf32>, %z: tensor<?xi8>) -> tensor<2x?xf32> {
  %0 = "onnx.DequantizeLinear"(%x, %s, %z) {axis = 1 : i64} : (tensor<2x?xi8>, tensor<?xf32>, tensor<?xi8>) -> tensor<2x?xf32> loc("dq")
  return %0 : tensor<2x?xf32>
}

// -----

// Tests that static per-axis parameters over a static axis get no check.
// CHECK-LABEL: func.func @dequant_per_axis_static
// CHECK-NOT: kiln.check
// CHECK: return
func.func @dequant_per_axis_static(%x: tensor<?x3xi8>, %s: tensor<3xf32>, %z: tensor<3xi8>) -> tensor<?x3xf32> {
  %0 = "onnx.DequantizeLinear"(%x, %s, %z) {axis = 1 : i64} : (tensor<?x3xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<?x3xf32> loc("dq2")
  return %0 : tensor<?x3xf32>
}
