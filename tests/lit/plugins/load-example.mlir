// Tests that the example plugin's pass runs in kiln-opt by flag and by --pass-pipeline.
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-example.so \
// RUN:   --kiln-example-remove-identity %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin %kiln_lib/kiln/plugins/kiln-example.so \
// RUN:   --pass-pipeline='builtin.module(func.func(kiln-example-remove-identity))' %s \
// RUN:   | FileCheck %s
// CHECK-LABEL: func @f
// CHECK-SAME: (%[[X:.+]]: tensor<2xf32>)
// CHECK-NEXT: %[[R:.+]] = "onnx.Relu"(%[[X]])
// CHECK-NEXT: return %[[R]]
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.Identity"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %1 = "onnx.Relu"(%0) : (tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
