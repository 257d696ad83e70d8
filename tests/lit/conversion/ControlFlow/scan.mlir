// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Scan becomes scf.for over the scan axis, slicing the input and inserting the
// output row by row.
// CHECK-LABEL: func.func @scan_sum
// CHECK: scf.for {{.*}} iter_args
// CHECK: tensor.extract_slice {{.*}} : tensor<3x2xf32> to tensor<2xf32>
// CHECK: linalg.generic
// CHECK: tensor.insert_slice {{.*}} into tensor<3x2xf32>
// CHECK: scf.yield
func.func @scan_sum(%init: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %0:2 = "onnx.Scan"(%init, %x) <{num_scan_inputs = 1 : i64}> ({
  ^bb0(%s: tensor<2xf32>, %e: tensor<2xf32>):
    %1 = "onnx.Add"(%s, %e) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1, %1 : tensor<2xf32>, tensor<2xf32>
  }) : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<3x2xf32>
}
