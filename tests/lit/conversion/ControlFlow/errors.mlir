// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s

// Tests that an If on a run-time condition whose branches return different ranks (a rank
// check on a dimension known only at run time) is refused with the ranks, not a wrong
// message about sequences.
// CHECK: node 'if' (If): cannot be compiled: output 0 has rank 2 in the then branch and 3 in the else branch, and the condition is only known at run time
func.func @if_ranks(%c: tensor<i1>, %x: tensor<1x4x1xf32>) -> tensor<*xf32> {
  %0 = "onnx.If"(%c) ({
    %axes = "onnx.Constant"() <{value = dense<2> : tensor<1xi64>}> : () -> tensor<1xi64>
    %s = "onnx.Squeeze"(%x, %axes) : (tensor<1x4x1xf32>, tensor<1xi64>) -> tensor<1x4xf32>
    onnx.Yield %s : tensor<1x4xf32>
  }, {
    onnx.Yield %x : tensor<1x4x1xf32>
  }) : (tensor<i1>) -> tensor<*xf32> loc("if")
  return %0 : tensor<*xf32>
}
