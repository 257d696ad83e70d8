// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that RoiAlign checks batch_indices, then samples each bin in a run-time scf.for
// nest (sampling_ratio 0) from four neighbours and averages.
// CHECK-LABEL: func.func @roi_align_avg
// CHECK: kiln.check
// CHECK: linalg.generic
// CHECK: math.ceil
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: arith.divf
func.func @roi_align_avg(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x1x5x5xf32> {
  %0 = "onnx.RoiAlign"(%x, %r, %b) <{output_height = 5 : i64, output_width = 5 : i64}> : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x5x5xf32>
  return %0 : tensor<3x1x5x5xf32>
}

// -----

// Tests that max RoiAlign keeps the largest weighted neighbour.
// CHECK-LABEL: func.func @roi_align_max
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: arith.maximumf
func.func @roi_align_max(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x1x5x5xf32> {
  %0 = "onnx.RoiAlign"(%x, %r, %b) <{mode = "max", output_height = 5 : i64, output_width = 5 : i64, sampling_ratio = 2 : i64, coordinate_transformation_mode = "output_half_pixel"}> : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x5x5xf32>
  return %0 : tensor<3x1x5x5xf32>
}
