// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that HannWindow checks its run-time size and fills a tensor of that length with
// 0.5 - 0.5 cos(2 pi n / N), N = size when periodic.
// CHECK-LABEL: func.func @hann
// CHECK: kiln.check {{.*}}size {} is negative
// CHECK: tensor.empty({{.*}}) : tensor<?xf32>
// CHECK: linalg.generic
// CHECK: math.cos
// CHECK: arith.truncf {{.*}} : f64 to f32
func.func @hann(%n: tensor<i32>) -> tensor<?xf32> {
  %0 = "onnx.HannWindow"(%n) : (tensor<i32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Tests that a symmetric BlackmanWindow divides by size - 1 and adds two cosines, and that
// a static result type is checked against the run-time size.
// CHECK-LABEL: func.func @blackman_symmetric
// CHECK: arith.subi
// CHECK: linalg.generic
// CHECK-COUNT-2: math.cos
// CHECK: kiln.check
// CHECK: tensor.cast {{.*}} : tensor<?xf64> to tensor<10xf64>
func.func @blackman_symmetric(%n: tensor<i64>) -> tensor<10xf64> {
  %0 = "onnx.BlackmanWindow"(%n) <{periodic = 0 : i64, output_datatype = 11 : i64}> : (tensor<i64>) -> tensor<10xf64>
  return %0 : tensor<10xf64>
}
