// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that ReverseSequence checks the run-time lengths against the time size, then
// gathers x[b, len - 1 - t] for t < len and x[b, t] elsewhere.
// CHECK-LABEL: func.func @reverse_sequence
// CHECK: scf.for
// CHECK: arith.minsi
// CHECK: kiln.check {{.*}}sequence_lens value {} is out of range [0, {}]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: arith.cmpi ult
// CHECK: arith.select
// CHECK: tensor.extract
func.func @reverse_sequence(%x: tensor<4x?xf32>, %lens: tensor<4xi64>) -> tensor<4x?xf32> {
  %0 = "onnx.ReverseSequence"(%x, %lens) <{batch_axis = 0 : i64, time_axis = 1 : i64}> : (tensor<4x?xf32>, tensor<4xi64>) -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// -----

// Tests that constant lengths in range need no run-time check.
// CHECK-LABEL: func.func @reverse_sequence_constant
// CHECK-NOT: kiln.check
// CHECK: linalg.generic
func.func @reverse_sequence_constant(%x: tensor<3x2x5xf32>) -> tensor<3x2x5xf32> {
  %l = "onnx.Constant"() <{value = dense<[3, 0]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "onnx.ReverseSequence"(%x, %l) : (tensor<3x2x5xf32>, tensor<2xi64>) -> tensor<3x2x5xf32>
  return %0 : tensor<3x2x5xf32>
}
