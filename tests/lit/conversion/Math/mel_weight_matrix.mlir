// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that MelWeightMatrix checks its run-time sizes and computes each element of the
// [dft_length / 2 + 1, num_mel_bins] result from three frequency bins in f64.
// CHECK-LABEL: func.func @mel
// CHECK: kiln.check {{.*}}num_mel_bins is {}, less than {}
// CHECK: kiln.check {{.*}}dft_length is {}, less than {}
// CHECK: math.log
// CHECK: tensor.empty({{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK-COUNT-3: math.floor
// CHECK: arith.truncf {{.*}} : f64 to f32
func.func @mel(%a: tensor<i32>, %b: tensor<i32>, %c: tensor<i32>, %d: tensor<f32>, %e: tensor<f32>) -> tensor<?x?xf32> {
  %0 = "onnx.MelWeightMatrix"(%a, %b, %c, %d, %e) : (tensor<i32>, tensor<i32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
