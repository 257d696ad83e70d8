// RUN: kiln-opt --split-input-file --kiln-fold-constants %s | FileCheck %s

// Tests that an If whose condition folds to a constant (an exporter's rank check, with
// branches of different ranks) is replaced by the branch it takes, whose ops are then
// folded and typed like any others, and that the function type follows.
// CHECK-LABEL: func.func @rank_check
// CHECK-SAME: -> tensor<5xf32>
// CHECK-NOT: onnx.If
// CHECK: %[[S:.+]] = "onnx.Squeeze"(%arg0, %{{.+}}) : (tensor<1x5xf32>, tensor<1xi64>) -> tensor<5xf32>
// CHECK-NEXT: return %[[S]]
func.func @rank_check(%x: tensor<1x5xf32>) -> tensor<*xf32> {
  %shape = "onnx.Shape"(%x) : (tensor<1x5xf32>) -> tensor<2xi64>
  %rank = "onnx.Size"(%shape) : (tensor<2xi64>) -> tensor<i64>
  %two = "onnx.Constant"() <{value = dense<2> : tensor<i64>}> : () -> tensor<i64>
  %cond = "onnx.Equal"(%rank, %two) : (tensor<i64>, tensor<i64>) -> tensor<i1>
  %0 = "onnx.If"(%cond) ({
    %axes = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
    %s = "onnx.Squeeze"(%x, %axes) : (tensor<1x5xf32>, tensor<1xi64>) -> tensor<*xf32>
    onnx.Yield %s : tensor<*xf32>
  }, {
    %i = "onnx.Identity"(%x) : (tensor<1x5xf32>) -> tensor<1x5xf32>
    onnx.Yield %i : tensor<1x5xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that an If on a run-time condition stays.
// CHECK-LABEL: func.func @dynamic_condition
// CHECK: onnx.If
func.func @dynamic_condition(%c: tensor<i1>, %x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.If"(%c) ({
    %n = "onnx.Neg"(%x) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n : tensor<2xf32>
  }, {
    onnx.Yield %x : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
