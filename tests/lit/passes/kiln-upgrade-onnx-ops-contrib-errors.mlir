// RUN: not kiln-opt --split-input-file --kiln-upgrade-onnx-ops %s 2>&1 | FileCheck %s

// Tests that Attention with past key/value states is refused, naming the node.
func.func @attention_past(%x: tensor<2x4x8xf32>, %w: tensor<8x24xf32>, %p: tensor<2x2x2x3x4xf32>) -> tensor<2x4x8xf32> {
  // CHECK: error: {{.*}}node 'attn' (Attention): past and present key/value states are not supported
  %none = onnx.NoValue
  %0:2 = "onnx.ms.Attention"(%x, %w, %none, %none, %p, %none, %none) {num_heads = 2 : i64} : (tensor<2x4x8xf32>, tensor<8x24xf32>, none, none, tensor<2x2x2x3x4xf32>, none, none) -> (tensor<2x4x8xf32>, none) loc("attn")
  return %0#0 : tensor<2x4x8xf32>
}

// -----

// Tests that MatMulNBits with a bit width other than 2, 4 or 8 is refused.
func.func @matmul_3bits(%a: tensor<2x16xf32>, %b: tensor<3x1x6xui8>, %s: tensor<3x1xf32>) -> tensor<2x3xf32> {
  // CHECK: error: {{.*}}node 'mm' (MatMulNBits): bits = 3 is not supported (2, 4 or 8)
  %none = onnx.NoValue
  %0 = "onnx.ms.MatMulNBits"(%a, %b, %s, %none, %none, %none) {K = 16 : i64, N = 3 : i64, bits = 3 : i64, block_size = 16 : i64} : (tensor<2x16xf32>, tensor<3x1x6xui8>, tensor<3x1xf32>, none, none, none) -> tensor<2x3xf32> loc("mm")
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that QLinearConv with channels-last input is refused.
func.func @qlinear_conv_nhwc(%x: tensor<1x5x5x2xui8>, %s: tensor<f32>, %z: tensor<ui8>, %w: tensor<4x2x3x3xi8>, %wz: tensor<i8>) -> tensor<1x3x3x4xui8> {
  // CHECK: error: {{.*}}node 'qc' (QLinearConv): channels_last = 1 (NHWC input) is not supported
  %none = onnx.NoValue
  %0 = "onnx.ms.QLinearConv"(%x, %s, %z, %w, %s, %wz, %s, %z, %none) {channels_last = 1 : i64} : (tensor<1x5x5x2xui8>, tensor<f32>, tensor<ui8>, tensor<4x2x3x3xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<ui8>, none) -> tensor<1x3x3x4xui8> loc("qc")
  return %0 : tensor<1x3x3x4xui8>
}
