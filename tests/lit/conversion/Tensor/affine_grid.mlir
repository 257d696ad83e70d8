// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that AffineGrid with a run-time size checks the batch against theta and computes
// each coordinate from three theta entries.
// CHECK-LABEL: func.func @affine_grid_2d
// CHECK: kiln.check {{.*}}message = "node 'ag' (AffineGrid): size has {} batches where theta has {}"
// CHECK: linalg.generic
// CHECK-COUNT-3: tensor.extract %arg0
// CHECK: linalg.yield
func.func @affine_grid_2d(%t: tensor<2x2x3xf32>, %s: tensor<4xi64>) -> tensor<2x5x6x2xf32> {
  %0 = "onnx.AffineGrid"(%t, %s) <{align_corners = 0 : i64}> : (tensor<2x2x3xf32>, tensor<4xi64>) -> tensor<2x5x6x2xf32> loc("ag")
  return %0 : tensor<2x5x6x2xf32>
}

// -----

// Tests that 3-D AffineGrid with align_corners reads four theta entries per coordinate
// and maps a size of 1 to -1.
// CHECK-LABEL: func.func @affine_grid_3d
// CHECK: linalg.generic
// CHECK: tensor.extract %arg0
// CHECK: arith.select
// CHECK-COUNT-3: tensor.extract %arg0
// CHECK: linalg.yield
func.func @affine_grid_3d(%t: tensor<2x3x4xf32>) -> tensor<2x1x5x6x3xf32> {
  %s = "onnx.Constant"() {value = dense<[2, 1, 1, 5, 6]> : tensor<5xi64>} : () -> tensor<5xi64>
  %0 = "onnx.AffineGrid"(%t, %s) <{align_corners = 1 : i64}> : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x1x5x6x3xf32>
  return %0 : tensor<2x1x5x6x3xf32>
}
