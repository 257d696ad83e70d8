// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that CenterCropPad with run-time sizes cuts with extract_slice, pads with zeros
// and checks the result against the model's static shape.
// CHECK-LABEL: func.func @center_crop_pad_runtime
// CHECK: tensor.extract %arg1
// CHECK: tensor.extract_slice %arg0
// CHECK: tensor.pad
// CHECK: kiln.check
// CHECK: tensor.cast
func.func @center_crop_pad_runtime(%x: tensor<20x8x3xf32>, %s: tensor<2xi64>) -> tensor<10x9x3xf32> {
  %0 = "onnx.CenterCropPad"(%x, %s) <{axes = array<i64: 0, -2>}> : (tensor<20x8x3xf32>, tensor<2xi64>) -> tensor<10x9x3xf32>
  return %0 : tensor<10x9x3xf32>
}

// -----

// Tests that CenterCropPad with constant sizes folds to a static slice and pad: the odd
// extra element is cut from (or padded at) the end.
// CHECK-LABEL: func.func @center_crop_pad_const
// CHECK: tensor.extract_slice %arg0[3, 0] [5, 4] [1, 1]
// CHECK: tensor.pad {{.*}} low[0, 1] high[0, 2]
func.func @center_crop_pad_const(%x: tensor<12x4xf32>) -> tensor<5x7xf32> {
  %s = "onnx.Constant"() {value = dense<[5, 7]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.CenterCropPad"(%x, %s) : (tensor<12x4xf32>, tensor<2xi64>) -> tensor<5x7xf32>
  return %0 : tensor<5x7xf32>
}
