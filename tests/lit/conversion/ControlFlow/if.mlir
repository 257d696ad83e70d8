// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that If becomes scf.if on the extracted condition, each branch cast to the result type.
// CHECK-LABEL: func.func @if_cast
// CHECK: [[C:%.+]] = tensor.extract
// CHECK: scf.if [[C]] -> (tensor<?xf32>)
// CHECK: tensor.cast {{.*}} : tensor<2xf32> to tensor<?xf32>
// CHECK: scf.yield
// CHECK: } else {
// CHECK: scf.yield
func.func @if_cast(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = "onnx.If"(%c) ({
    onnx.Yield %a : tensor<2xf32>
  }, {
    onnx.Yield %b : tensor<?xf32>
  }) : (tensor<i1>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
