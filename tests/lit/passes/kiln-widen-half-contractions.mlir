// RUN: kiln-opt --split-input-file --kiln-widen-half-contractions %s | FileCheck %s

// Tests that an fp16 MatMul computes in f32 between Casts, and the ops around it keep fp16.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[X:.+]] = "onnx.Cast"(%arg0) <{to = 1 : i64}> : (tensor<4x8xf16>) -> tensor<4x8xf32>
// CHECK: %[[W:.+]] = "onnx.Cast"(%arg1) <{to = 1 : i64}> : (tensor<8x2xf16>) -> tensor<8x2xf32>
// CHECK: %[[Y:.+]] = "onnx.MatMul"(%[[X]], %[[W]]) : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
// CHECK: %[[H:.+]] = "onnx.Cast"(%[[Y]]) <{to = 10 : i64}> : (tensor<4x2xf32>) -> tensor<4x2xf16>
// CHECK: "onnx.Relu"(%[[H]]) : (tensor<4x2xf16>) -> tensor<4x2xf16>
func.func @matmul(%x: tensor<4x8xf16>, %w: tensor<8x2xf16>) -> tensor<4x2xf16> {
  %0 = "onnx.MatMul"(%x, %w) : (tensor<4x8xf16>, tensor<8x2xf16>) -> tensor<4x2xf16>
  %1 = "onnx.Relu"(%0) : (tensor<4x2xf16>) -> tensor<4x2xf16>
  return %1 : tensor<4x2xf16>
}

// -----

// Tests that a bf16 Conv with an absent bias widens its two tensor inputs only, and that
// an unranked result stays unranked; f32 and integer contractions are left alone.
// CHECK-LABEL: func.func @conv
// CHECK: %[[X:.+]] = "onnx.Cast"(%arg0) <{to = 1 : i64}> : (tensor<1x3x8x8xbf16>) -> tensor<1x3x8x8xf32>
// CHECK: %[[W:.+]] = "onnx.Cast"(%arg1) <{to = 1 : i64}> : (tensor<4x3x3x3xbf16>) -> tensor<4x3x3x3xf32>
// CHECK: %[[Y:.+]] = "onnx.Conv"(%[[X]], %[[W]], %{{.+}}) {{.*}} -> tensor<*xf32>
// CHECK: "onnx.Cast"(%[[Y]]) <{to = 16 : i64}> : (tensor<*xf32>) -> tensor<*xbf16>
// CHECK: "onnx.MatMul"(%arg2, %arg2) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK-NOT: onnx.Cast
func.func @conv(%x: tensor<1x3x8x8xbf16>, %w: tensor<4x3x3x3xbf16>, %f: tensor<2x2xf32>) -> (tensor<*xbf16>, tensor<2x2xf32>) {
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x3x8x8xbf16>, tensor<4x3x3x3xbf16>, none) -> tensor<*xbf16>
  %1 = "onnx.MatMul"(%f, %f) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0, %1 : tensor<*xbf16>, tensor<2x2xf32>
}
