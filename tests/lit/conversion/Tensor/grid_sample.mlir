// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that linear GridSample reads both grid coordinates as inputs and sums four taps,
// each masked when it falls outside the image (zeros padding).
// CHECK-LABEL: func.func @grid_sample_linear
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg1, %arg1 : tensor<1x6x6x2xf32>, tensor<1x6x6x2xf32>)
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: linalg.yield
func.func @grid_sample_linear(%x: tensor<1x1x4x4xf32>, %g: tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32> {
  %0 = "onnx.GridSample"(%x, %g) <{align_corners = 0 : i64, mode = "linear", padding_mode = "zeros"}> : (tensor<1x1x4x4xf32>, tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32>
  return %0 : tensor<1x1x6x6xf32>
}

// -----

// Tests that nearest GridSample over a volume rounds half to even and reads one tap.
// CHECK-LABEL: func.func @grid_sample_nearest_3d
// CHECK: linalg.generic
// CHECK: math.roundeven
// CHECK: tensor.extract %arg0
// CHECK-NOT: tensor.extract %arg0
// CHECK: linalg.yield
func.func @grid_sample_nearest_3d(%x: tensor<1x1x3x2x2xf32>, %g: tensor<1x2x4x2x3xf32>) -> tensor<1x1x2x4x2xf32> {
  %0 = "onnx.GridSample"(%x, %g) <{align_corners = 1 : i64, mode = "nearest", padding_mode = "border"}> : (tensor<1x1x3x2x2xf32>, tensor<1x2x4x2x3xf32>) -> tensor<1x1x2x4x2xf32>
  return %0 : tensor<1x1x2x4x2xf32>
}

// -----

// Tests that cubic GridSample with reflection reads 16 taps and checks the batch of a
// dynamic grid against X.
// CHECK-LABEL: func.func @grid_sample_cubic
// CHECK: kiln.check {{.*}}message = "node 'gs' (GridSample): grid has {} batches where X has {}"
// CHECK: linalg.generic
// CHECK-COUNT-16: tensor.extract %arg0
// CHECK: linalg.yield
func.func @grid_sample_cubic(%x: tensor<2x1x4x4xf32>, %g: tensor<?x3x3x2xf32>) -> tensor<2x1x3x3xf32> {
  %0 = "onnx.GridSample"(%x, %g) <{mode = "cubic", padding_mode = "reflection"}> : (tensor<2x1x4x4xf32>, tensor<?x3x3x2xf32>) -> tensor<2x1x3x3xf32> loc("gs")
  return %0 : tensor<2x1x3x3xf32>
}
