// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that NonZero counts the nonzero elements (NaN included) in one loop nest, then
// fills the [rank, count] result with their coordinates in a second.
// CHECK-LABEL: func.func @nonzero
// CHECK: [[COUNT:%.+]] = scf.for
// CHECK: scf.for
// CHECK: arith.cmpf une
// CHECK: tensor.empty([[COUNT]]) : tensor<2x?xi64>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.if
// CHECK-COUNT-2: tensor.insert
func.func @nonzero(%x: tensor<2x?xf32>) -> tensor<2x?xi64> {
  %0 = "onnx.NonZero"(%x) : (tensor<2x?xf32>) -> tensor<2x?xi64>
  return %0 : tensor<2x?xi64>
}
