// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that DepthToSpace is an index gather producing the spatially enlarged tensor.
// CHECK-LABEL: func.func @depth_to_space
// CHECK: linalg.generic
// CHECK: tensor.extract
// CHECK: -> tensor<1x1x4x4xf32>
func.func @depth_to_space(%x: tensor<1x4x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = "onnx.DepthToSpace"(%x) <{blocksize = 2 : i64}> : (tensor<1x4x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}
