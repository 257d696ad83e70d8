// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Col2Im with run-time shapes checks the block count and sums over the block
// positions (a reduction over a tensor.empty of the block size).
// CHECK-LABEL: func.func @col2im_runtime
// CHECK: kiln.check {{.*}}the input has {} blocks where image_shape and block_shape imply {}
// CHECK: linalg.generic
// CHECK-SAME: "parallel", "parallel", "parallel", "parallel", "reduction"
// CHECK: arith.remsi
// CHECK: tensor.extract %arg0
// CHECK: arith.select
// CHECK: arith.addf
func.func @col2im_runtime(%x: tensor<1x5x15xf32>, %i: tensor<2xi64>, %b: tensor<2xi64>) -> tensor<1x1x5x5xf32> {
  %0 = "onnx.Col2Im"(%x, %i, %b) : (tensor<1x5x15xf32>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

// Tests that Col2Im with constant shapes, strides and pads needs no run-time check.
// CHECK-LABEL: func.func @col2im_const
// CHECK-NOT: kiln.check
// CHECK: linalg.generic
// CHECK-SAME: ins({{.*}} : tensor<4xi1>)
func.func @col2im_const(%x: tensor<1x4x9xf32>) -> tensor<1x1x5x5xf32> {
  %i = "onnx.Constant"() {value = dense<[5, 5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %b = "onnx.Constant"() {value = dense<[2, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Col2Im"(%x, %i, %b) <{strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>}> : (tensor<1x4x9xf32>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}
