// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that CausalConvWithState prepends the past state to the input, convolves each
// channel with its kernel (reading padded[l + j]), adds the bias, applies SiLU, and
// returns the last K - 1 positions as the present state.
// CHECK-DAG: [[SHIFT:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 + d3)>
// CHECK-LABEL: func.func @silu_with_state
// CHECK: [[PADDED:%.+]] = tensor.concat dim(2) %{{.+}}, %{{.+}} : (tensor<2x4x2xf32>, tensor<2x4x5xf32>) -> tensor<2x4x7xf32>
// CHECK: linalg.generic {indexing_maps = {{\[}}[[SHIFT]], {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: math.exp
// CHECK: tensor.extract_slice [[PADDED]][0, 0, 5] [2, 4, 2] [1, 1, 1]
func.func @silu_with_state(%x: tensor<2x4x5xf32>, %w: tensor<4x1x3xf32>, %b: tensor<4xf32>, %past: tensor<2x4x2xf32>) -> (tensor<2x4x5xf32>, tensor<2x4x2xf32>) {
  %0:2 = "onnx.CausalConvWithState"(%x, %w, %b, %past) {activation = "silu"} : (tensor<2x4x5xf32>, tensor<4x1x3xf32>, tensor<4xf32>, tensor<2x4x2xf32>) -> (tensor<2x4x5xf32>, tensor<2x4x2xf32>)
  return %0#0, %0#1 : tensor<2x4x5xf32>, tensor<2x4x2xf32>
}

// -----

// Tests that without a past state the input is padded with zeros, with a dynamic length.
// CHECK-LABEL: func.func @no_state_dynamic
// CHECK: linalg.fill
// CHECK: tensor.concat dim(2)
// CHECK-NOT: math.exp
// CHECK: return {{.*}} : tensor<1x2x?xf16>, tensor<1x2x3xf16>
func.func @no_state_dynamic(%x: tensor<1x2x?xf16>, %w: tensor<2x1x4xf16>) -> (tensor<1x2x?xf16>, tensor<1x2x3xf16>) {
  %none = onnx.NoValue
  %0:2 = "onnx.CausalConvWithState"(%x, %w, %none, %none) : (tensor<1x2x?xf16>, tensor<2x1x4xf16>, none, none) -> (tensor<1x2x?xf16>, tensor<1x2x3xf16>)
  return %0#0, %0#1 : tensor<1x2x?xf16>, tensor<1x2x3xf16>
}
