// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that gated-delta LinearAttention with grouped query heads unpacks Q, K and V to
// [B, T, H, D], runs one scf.for step per token over the f32 state [B, Hkv, Dk, Dv]
// (decay, delta correction, outer-product update, then the read with Q viewed as
// [B, Hkv, reps, Dk]), and packs the outputs back to [B, T, Hq * Dv].
// CHECK-LABEL: func.func @gated_delta_gqa
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 4, 8]
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (tensor<2x2x8x4xf32>, tensor<2x3x2x2x4xf32>)
// CHECK: math.exp
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.subf
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2], [3]] output_shape [2, 2, 2, 8]
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.constant 0.35355{{[0-9]+}} : f32
// CHECK: tensor.insert_slice
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0], [1], [2, 3, 4]] : tensor<2x3x2x2x4xf32> into tensor<2x3x16xf32>
// CHECK: return {{.*}} : tensor<2x3x16xf32>, tensor<2x2x8x4xf32>
func.func @gated_delta_gqa(%q: tensor<2x3x32xf32>, %k: tensor<2x3x16xf32>, %v: tensor<2x3x8xf32>, %g: tensor<2x3x2xf32>, %beta: tensor<2x3x2xf32>) -> (tensor<2x3x16xf32>, tensor<2x2x8x4xf32>) {
  %none = onnx.NoValue
  %0:2 = "onnx.LinearAttention"(%q, %k, %v, %none, %g, %beta) {q_num_heads = 4 : i64, kv_num_heads = 2 : i64} : (tensor<2x3x32xf32>, tensor<2x3x16xf32>, tensor<2x3x8xf32>, none, tensor<2x3x2xf32>, tensor<2x3x2xf32>) -> (tensor<2x3x16xf32>, tensor<2x2x8x4xf32>)
  return %0#0, %0#1 : tensor<2x3x16xf32>, tensor<2x2x8x4xf32>
}

// -----

// Tests that f16 LinearAttention with a past state and a dynamic sequence length computes
// in f32 (extf on the way in, truncf on the way out) and loops T times.
// CHECK-LABEL: func.func @linear_f16_past
// CHECK: [[T:%.+]] = tensor.dim %{{.+}}, %c1
// CHECK: arith.extf
// CHECK: scf.for %{{.+}} = %{{.+}} to [[T]] step
// CHECK-NOT: math.exp
// CHECK: scf.yield
// CHECK: arith.truncf
// CHECK: return {{.*}} : tensor<1x?x8xf16>, tensor<1x2x4x4xf16>
func.func @linear_f16_past(%q: tensor<1x?x8xf16>, %past: tensor<1x2x4x4xf16>) -> (tensor<1x?x8xf16>, tensor<1x2x4x4xf16>) {
  %none = onnx.NoValue
  %0:2 = "onnx.LinearAttention"(%q, %q, %q, %past, %none, %none) {q_num_heads = 2 : i64, kv_num_heads = 2 : i64, update_rule = "linear"} : (tensor<1x?x8xf16>, tensor<1x?x8xf16>, tensor<1x?x8xf16>, tensor<1x2x4x4xf16>, none, none) -> (tensor<1x?x8xf16>, tensor<1x2x4x4xf16>)
  return %0#0, %0#1 : tensor<1x?x8xf16>, tensor<1x2x4x4xf16>
}
