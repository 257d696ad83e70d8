// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

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
