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

// -----

// Tests that CumProd multiplies from a fill of 1, and exclusive reverse takes j > i.
// CHECK-LABEL: func.func @cumprod_exclusive_reverse
// CHECK: arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.cmpi ugt
// CHECK: arith.mulf
func.func @cumprod_exclusive_reverse(%x: tensor<5xf32>) -> tensor<5xf32> {
  %a = "onnx.Constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
  %0 = "onnx.CumProd"(%x, %a) <{exclusive = 1 : i64, reverse = 1 : i64}> : (tensor<5xf32>, tensor<i64>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Tests that a run-time axis is checked against the rank and switched on, one scan per dim.
// CHECK-LABEL: func.func @cumsum_runtime_axis
// CHECK: kiln.check {{.*}}axis {} is out of range for rank {}
// CHECK: scf.index_switch
// CHECK: case 1 {
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: default {
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
func.func @cumsum_runtime_axis(%x: tensor<2x3xi32>, %a: tensor<i32>) -> tensor<2x3xi32> {
  %0 = "onnx.CumSum"(%x, %a) : (tensor<2x3xi32>, tensor<i32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
