// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s
// Tests that a reduction over run-time axes with keepdims and a result of another rank is
// rejected.
// CHECK: node 'reduce_rt' (ReduceSum): cannot be compiled: the result rank does not match keepdims
func.func @reduce_runtime_axes(%x: tensor<?x3xf32>, %a: tensor<1xi64>) -> tensor<?xf32> {
  %0 = "onnx.ReduceSum"(%x, %a) : (tensor<?x3xf32>, tensor<1xi64>) -> tensor<?xf32> loc("reduce_rt")
  return %0 : tensor<?xf32>
}
