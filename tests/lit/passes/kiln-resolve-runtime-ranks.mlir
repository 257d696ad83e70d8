// RUN: kiln-opt --split-input-file --kiln-resolve-runtime-ranks %s | FileCheck %s

// Tests that a Squeeze without axes of a tensor with a dynamic dim squeezes the static
// 1 dims only, behind a run-time check that the dynamic dim is not 1.
// CHECK-LABEL: func.func @squeeze_dynamic
// CHECK-SAME: (%[[X:.+]]: tensor<?x1x3xf32>) -> tensor<?x3xf32>
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x1x3xf32>
// CHECK: %[[OK:.+]] = arith.cmpi ne, %[[D]], %{{.+}} : index
// CHECK: kiln.check %[[OK]], %{{.+}}, %[[D]] {code = 1 : i32, message = "node 'sq' (Squeeze): without axes, Squeeze removes every dim of size 1, and dim {} is only known at run time (here {}); the model was compiled for a size other than 1, which keeps its rank"}
// CHECK: %[[AXES:.+]] = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}>
// CHECK: %[[S:.+]] = "onnx.Squeeze"(%[[X]], %[[AXES]]) : (tensor<?x1x3xf32>, tensor<1xi64>) -> tensor<?x3xf32>
// CHECK: return %[[S]]
func.func @squeeze_dynamic(%x: tensor<?x1x3xf32>) -> tensor<*xf32> {
  %none = "onnx.NoValue"() {value} : () -> none
  %0 = "onnx.Squeeze"(%x, %none) : (tensor<?x1x3xf32>, none) -> tensor<*xf32> loc("sq")
  return %0 : tensor<*xf32>
}

// -----

// Tests that a Squeeze without axes of a tensor with no static 1 dim is its input,
// behind the checks.
// CHECK-LABEL: func.func @squeeze_nothing_static
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK: kiln.check
// CHECK-NOT: onnx.Squeeze
// CHECK: return %[[X]]
func.func @squeeze_nothing_static(%x: tensor<?x4xf32>) -> tensor<*xf32> {
  %none = "onnx.NoValue"() {value} : () -> none
  %0 = "onnx.Squeeze"(%x, %none) : (tensor<?x4xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that an If yielding a scalar in one branch and a [1] tensor in the other, whose
// result is only multiplied with a rank-1 tensor, gets rank 1: the scalar branch
// unsqueezes its value.
// CHECK-LABEL: func.func @if_broadcast_only
// CHECK: %[[IF:.+]] = "onnx.If"
// CHECK: %[[A:.+]] = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}>
// CHECK: %[[U:.+]] = "onnx.Unsqueeze"(%{{.+}}, %[[A]]) : (tensor<f32>, tensor<1xi64>) -> tensor<1xf32>
// CHECK: onnx.Yield %[[U]] : tensor<1xf32>
// CHECK: onnx.Yield %{{.+}} : tensor<1xf32>
// CHECK: }) : (tensor<1xi1>) -> tensor<1xf32>
// CHECK: "onnx.Mul"(%{{.+}}, %[[IF]]) : (tensor<?xf32>, tensor<1xf32>) -> tensor<?xf32>
func.func @if_broadcast_only(%c: tensor<1xi1>, %s: tensor<f32>, %t: tensor<1xf32>, %r: tensor<?xf32>) -> tensor<*xf32> {
  %0 = "onnx.If"(%c) ({
    onnx.Yield %s : tensor<f32>
  }, {
    onnx.Yield %t : tensor<1xf32>
  }) : (tensor<1xi1>) -> tensor<*xf32>
  %1 = "onnx.Mul"(%r, %0) : (tensor<?xf32>, tensor<*xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

// Tests that an If whose differently ranked result feeds an op other than a broadcast
// (here Shape, which would see the rank) is left alone.
// CHECK-LABEL: func.func @if_rank_observed
// CHECK-NOT: onnx.Unsqueeze
// CHECK: "onnx.Shape"
func.func @if_rank_observed(%c: tensor<1xi1>, %s: tensor<f32>, %t: tensor<1xf32>) -> tensor<*xi64> {
  %0 = "onnx.If"(%c) ({
    onnx.Yield %s : tensor<f32>
  }, {
    onnx.Yield %t : tensor<1xf32>
  }) : (tensor<1xi1>) -> tensor<*xf32>
  %1 = "onnx.Shape"(%0) : (tensor<*xf32>) -> tensor<*xi64>
  return %1 : tensor<*xi64>
}
