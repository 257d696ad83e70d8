// RUN: kiln-opt --split-input-file --kiln-prune-invalid-branches %s 2>&1 | FileCheck %s

// Tests that an If on a run-time size (an exported `x.squeeze(-1)`) whose else branch
// would give Gemm a rank-3 input is replaced by its then branch behind a check of the
// condition, with a warning that names the If and the node that rules the other out.
// CHECK: warning: {{.*}}node 'squeeze_if' (If): only the then branch gives a valid model (with the other, node 'gemm' (Gemm): {{.+}}); compiled for a condition that is true, a run where it is false returns an error
// CHECK-LABEL: func.func @squeeze_then_gemm
// CHECK-SAME: -> tensor<?x4xf32>
// CHECK: %[[C:.+]] = "onnx.Equal"
// CHECK: %[[F:.+]] = tensor.extract %[[C]][] : tensor<i1>
// CHECK: kiln.check %[[F]], %{{.+}}, %{{.+}} {code = 1 : i32, message = "node 'squeeze_if' (If): the model can only run when this condition is true (when it is false, node 'gemm' (Gemm): {{.+}})"}
// CHECK-NOT: onnx.If
// CHECK: %[[S:.+]] = "onnx.Squeeze"
// CHECK: "onnx.Gemm"(%[[S]]
func.func @squeeze_then_gemm(%x: tensor<?x3x?xf32>) -> tensor<*xf32> {
  %w = "onnx.Constant"() <{value = dense<1.0> : tensor<3x4xf32>}> : () -> tensor<3x4xf32>
  %shape = "onnx.Shape"(%x) : (tensor<?x3x?xf32>) -> tensor<3xi64>
  %minus1 = "onnx.Constant"() <{value = dense<-1> : tensor<i64>}> : () -> tensor<i64>
  %last = "onnx.Gather"(%shape, %minus1) <{axis = 0 : i64}> : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %one = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %cond = "onnx.Equal"(%last, %one) : (tensor<i64>, tensor<i64>) -> tensor<i1>
  %0 = "onnx.If"(%cond) ({
    %axes = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
    %s = "onnx.Squeeze"(%x, %axes) : (tensor<?x3x?xf32>, tensor<1xi64>) -> tensor<?x3xf32>
    onnx.Yield %s : tensor<?x3xf32>
  }, {
    %i = "onnx.Identity"(%x) : (tensor<?x3x?xf32>) -> tensor<?x3x?xf32>
    onnx.Yield %i : tensor<?x3x?xf32>
  }) {onnx.node = "squeeze_if"} : (tensor<i1>) -> tensor<*xf32> loc("squeeze_if")
  %none = "onnx.NoValue"() : () -> none
  %y = "onnx.Gemm"(%0, %w, %none) : (tensor<*xf32>, tensor<3x4xf32>, none) -> tensor<*xf32> loc("gemm")
  return %y : tensor<*xf32>
}

// -----

// Tests that the else branch is kept when the then branch is the invalid one, behind a
// check that the condition is false.
// CHECK-LABEL: func.func @keep_else
// CHECK: %[[F:.+]] = tensor.extract %arg0[] : tensor<i1>
// CHECK: %[[NOT:.+]] = arith.xori %[[F]], %true
// CHECK: kiln.check %[[NOT]], {{.+}} message = "node 'pick' (If): the model can only run when this condition is false
// CHECK-NOT: onnx.If
// CHECK: "onnx.Gemm"(%arg2
func.func @keep_else(%c: tensor<i1>, %x: tensor<2x3x1xf32>, %y: tensor<2x3xf32>) -> tensor<*xf32> {
  %w = "onnx.Constant"() <{value = dense<1.0> : tensor<3x4xf32>}> : () -> tensor<3x4xf32>
  %0 = "onnx.If"(%c) ({
    onnx.Yield %x : tensor<2x3x1xf32>
  }, {
    onnx.Yield %y : tensor<2x3xf32>
  }) : (tensor<i1>) -> tensor<*xf32> loc("pick")
  %none = "onnx.NoValue"() : () -> none
  %r = "onnx.Gemm"(%0, %w, %none) : (tensor<*xf32>, tensor<3x4xf32>, none) -> tensor<*xf32> loc("gemm2")
  return %r : tensor<*xf32>
}

// -----

// Tests that an If whose branches of different ranks are both valid stays (its lowering
// refuses a run-time choice of rank), and that no check is added.
// CHECK-LABEL: func.func @both_valid
// CHECK-NOT: kiln.check
// CHECK: onnx.If
func.func @both_valid(%c: tensor<i1>, %x: tensor<2x3x1xf32>, %y: tensor<2x3xf32>) -> tensor<*xf32> {
  %0 = "onnx.If"(%c) ({
    onnx.Yield %x : tensor<2x3x1xf32>
  }, {
    onnx.Yield %y : tensor<2x3xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  %r = "onnx.Relu"(%0) : (tensor<*xf32>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}
