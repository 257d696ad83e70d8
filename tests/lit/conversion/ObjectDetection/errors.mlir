// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s
// Tests that RoiAlign with an unknown mode is rejected, naming the node.
// CHECK: node 'ra' (RoiAlign): cannot be compiled: unknown mode 'median'
func.func @roi_align_mode(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x1x1x1xf32> {
  %0 = "onnx.RoiAlign"(%x, %r, %b) <{mode = "median"}> : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x1x1xf32> loc("ra")
  return %0 : tensor<3x1x1x1xf32>
}
