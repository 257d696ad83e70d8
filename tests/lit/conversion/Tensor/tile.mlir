// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Tile reads the input modulo its size.
// CHECK-LABEL: func.func @tile
// CHECK-SAME: ([[X:%.+]]: tensor<3x1xf32>)
// CHECK: linalg.generic
// CHECK: [[I:%.+]] = linalg.index 0
// CHECK: [[J:%.+]] = linalg.index 1
// CHECK: [[SI:%.+]] = arith.remui [[I]]
// CHECK: [[SJ:%.+]] = arith.remui [[J]]
// CHECK: tensor.extract [[X]]{{\[}}[[SI]], [[SJ]]] : tensor<3x1xf32>
// CHECK: -> tensor<6x2xf32>
func.func @tile(%x: tensor<3x1xf32>) -> tensor<6x2xf32> {
  %r = "onnx.Constant"() {value = dense<[2, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Tile"(%x, %r) : (tensor<3x1xf32>, tensor<2xi64>) -> tensor<6x2xf32>
  return %0 : tensor<6x2xf32>
}

// -----

// Tests that Tile checks its repeats are not negative.
// CHECK-LABEL: func.func @tile_repeats
// CHECK: kiln.check {{.*}}message = "node 't' (Tile): repeats has {} for dim 0 (expected >= {})"
func.func @tile_repeats(%x: tensor<?xf32>, %r: tensor<1xi64>) -> tensor<?xf32> {
  %0 = "onnx.Tile"(%x, %r) : (tensor<?xf32>, tensor<1xi64>) -> tensor<?xf32> loc("t")
  return %0 : tensor<?xf32>
}
