// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg=winograd=true %s | FileCheck %s
// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s --check-prefix=OFF

// Tests that a 3x3 stride-1 kiln.conv_nhwc with constant weights and 32 channels becomes
// Winograd F(2x2, 3x3): X padded by one more row and column at the end, one input
// transform with 16 results (marked for the CPU backend's vectorizer) over the 8x8 tiles,
// 16 contractions with the transformed weights, and an output transform over the output
// pixels reading tile (oh / 2, ow / 2); without the option, the implicit GEMM.
// CHECK-DAG: #[[TILE:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 2, d2 floordiv 2, d3)>
// CHECK-LABEL: func.func @winograd
// CHECK: tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 2, 2, 0]
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>) attrs = {kiln.vectorize}
// CHECK-COUNT-16: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<1x8x8x32xf32>, tensor<32x40xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[TILE]],
// CHECK: } -> tensor<1x16x16x40xf32>
// OFF-LABEL: func.func @winograd
// OFF-NOT: kiln.vectorize
// OFF: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
func.func @winograd(%x: tensor<1x16x16x32xf32>) -> tensor<1x16x16x40xf32> {
  %w = arith.constant dense<0.25> : tensor<3x3x32x40xf32>
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x40xf32>) -> tensor<1x16x16x40xf32>
  return %y : tensor<1x16x16x40xf32>
}

// -----

// Tests that 16 input channels, a stride of 2 and weights known only at run time keep
// the implicit GEMM.
// CHECK-LABEL: func.func @direct
// CHECK-NOT: kiln.vectorize
// CHECK: return
func.func @direct(%x: tensor<1x16x16x16xf32>, %x2: tensor<1x16x16x32xf32>, %wr: tensor<3x3x32x32xf32>) -> (tensor<1x16x16x32xf32>, tensor<1x8x8x32xf32>, tensor<1x16x16x32xf32>) {
  %w16 = arith.constant dense<0.25> : tensor<3x3x16x32xf32>
  %w = arith.constant dense<0.25> : tensor<3x3x32x32xf32>
  %a = kiln.conv_nhwc %x, %w16 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x16xf32>, tensor<3x3x16x32xf32>) -> tensor<1x16x16x32xf32>
  %b = kiln.conv_nhwc %x2, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x8x8x32xf32>
  %c = kiln.conv_nhwc %x2, %wr {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x16x16x32xf32>
  return %a, %b, %c : tensor<1x16x16x32xf32>, tensor<1x8x8x32xf32>, tensor<1x16x16x32xf32>
}
