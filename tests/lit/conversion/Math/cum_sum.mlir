// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that CumSum reduces over an extra dim, adding the elements at or before the index.
// CHECK-LABEL: func.func @cumsum
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.cmpi ule
func.func @cumsum(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %0 = "onnx.CumSum"(%x, %a) : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
