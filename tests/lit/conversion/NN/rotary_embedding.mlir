// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that RotaryEmbedding with position_ids checks them against the cache rows and
// builds one generic over the output that reads X, its rotation partner and the caches
// at the token's position.
// CHECK-LABEL: func.func @rotary_positions
// CHECK: kiln.check
// CHECK: linalg.generic
// CHECK: linalg.index 3
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}] : tensor<2x3xi64>
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}] : tensor<16x4xf32>
// CHECK: arith.subf
// CHECK: arith.addf
// CHECK: return {{.*}} : tensor<2x4x3x8xf32>
func.func @rotary_positions(%x: tensor<2x4x3x8xf32>, %cos: tensor<16x4xf32>, %sin: tensor<16x4xf32>, %pos: tensor<2x3xi64>) -> tensor<2x4x3x8xf32> {
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %sin, %pos) : (tensor<2x4x3x8xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x4x3x8xf32>
  return %0 : tensor<2x4x3x8xf32>
}

// -----

// Tests that a 3-D interleaved RotaryEmbedding with a partial rotation and caches per
// token splits the hidden dim into heads by index arithmetic.
// CHECK-LABEL: func.func @rotary_3d_interleaved
// CHECK: linalg.generic
// CHECK: arith.remui %{{.+}}, %c8
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}] : tensor<1x5x2xf16>
// CHECK: return {{.*}} : tensor<1x5x16xf16>
func.func @rotary_3d_interleaved(%x: tensor<1x5x16xf16>, %cos: tensor<1x5x2xf16>) -> tensor<1x5x16xf16> {
  %none = onnx.NoValue
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %cos, %none) {num_heads = 2 : i64, interleaved = 1 : i64, rotary_embedding_dim = 4 : i64} : (tensor<1x5x16xf16>, tensor<1x5x2xf16>, tensor<1x5x2xf16>, none) -> tensor<1x5x16xf16>
  return %0 : tensor<1x5x16xf16>
}
