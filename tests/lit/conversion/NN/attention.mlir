// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that 4-D Attention without a mask scales Q and K by sqrt(1/sqrt(head_size)) (as the
// reference does), contracts them over the head size, takes a max-subtracted softmax over
// the keys and contracts with V, with no bias and no fully-masked-row guard.
// CHECK-LABEL: func.func @attention_4d
// CHECK-SAME: ([[Q:%.+]]: tensor<2x3x4x8xf32>, [[K:%.+]]: tensor<2x3x6x8xf32>, [[V:%.+]]: tensor<2x3x6x5xf32>)
// CHECK: [[ROOT:%.+]] = arith.constant 0.5946{{[0-9]+}} : f32
// CHECK: [[QSC:%.+]] = linalg.generic {{.*}} ins([[Q]] : tensor<2x3x4x8xf32>)
// CHECK: arith.mulf %{{.+}}, [[ROOT]] : f32
// CHECK: [[QS:%.+]] = tensor.expand_shape [[QSC]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [2, 3, 1, 4, 8]
// CHECK: [[KSC:%.+]] = linalg.generic {{.*}} ins([[K]] : tensor<2x3x6x8xf32>)
// CHECK: arith.mulf %{{.+}}, [[ROOT]] : f32
// CHECK: [[QK:%.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]{{.*}} ins([[QS]], [[KSC]] : tensor<2x3x1x4x8xf32>, tensor<2x3x6x8xf32>)
// CHECK: tensor.collapse_shape [[QK]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<2x3x1x4x6xf32> into tensor<2x3x4x6xf32>
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.exp
// CHECK: arith.divf
// CHECK-NOT: arith.select
// CHECK: linalg.generic {{.*}} ins({{.*}}, [[V]] : tensor<2x3x1x4x6xf32>, tensor<2x3x6x5xf32>)
// CHECK: return {{.*}} : tensor<2x3x4x5xf32>
func.func @attention_4d(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x6x8xf32>, %v: tensor<2x3x6x5xf32>) -> tensor<2x3x4x5xf32> {
  %none = onnx.NoValue
  %0:4 = "onnx.Attention"(%q, %k, %v, %none, %none, %none, %none) : (tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x5xf32>, none, none, none, none) -> (tensor<2x3x4x5xf32>, none, none, none)
  return %0#0 : tensor<2x3x4x5xf32>
}

// -----

// Tests that 3-D grouped-query Attention splits the hidden dims into heads, transposes to
// [B, H, S, D], views the 6 Q heads as 2 K/V heads x 3 (no repeated K/V is built), and
// transposes and merges the heads of Y back.
// CHECK-DAG: [[SWAP:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
// CHECK-LABEL: func.func @attention_3d_gqa
// CHECK-SAME: ([[Q:%.+]]: tensor<2x4x48xf32>, [[K:%.+]]: tensor<2x5x16xf32>, [[V:%.+]]: tensor<2x5x16xf32>)
// CHECK: [[QE:%.+]] = tensor.expand_shape [[Q]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 4, 6, 8]
// CHECK: linalg.generic {indexing_maps = {{\[}}[[SWAP]], {{.*}} ins([[QE]] : tensor<2x4x6x8xf32>) outs({{.*}} : tensor<2x6x4x8xf32>)
// CHECK: tensor.expand_shape {{.*}} output_shape [2, 2, 3, 4, 8] : tensor<2x6x4x8xf32> into tensor<2x2x3x4x8xf32>
// CHECK: linalg.generic {{.*}} ins({{.*}} : tensor<2x2x3x4x8xf32>, tensor<2x2x5x8xf32>)
// CHECK: linalg.generic {{.*}} ins({{.*}} : tensor<2x2x3x4x5xf32>, tensor<2x2x5x8xf32>)
// CHECK: [[Y:%.+]] = linalg.generic {indexing_maps = {{\[}}[[SWAP]], {{.*}} outs({{.*}} : tensor<2x4x6x8xf32>)
// CHECK: [[R:%.+]] = tensor.collapse_shape [[Y]] {{\[\[}}0], [1], [2, 3]] : tensor<2x4x6x8xf32> into tensor<2x4x48xf32>
// CHECK: return [[R]]
func.func @attention_3d_gqa(%q: tensor<2x4x48xf32>, %k: tensor<2x5x16xf32>, %v: tensor<2x5x16xf32>) -> tensor<2x4x48xf32> {
  %none = onnx.NoValue
  %0:4 = "onnx.Attention"(%q, %k, %v, %none, %none, %none, %none) {q_num_heads = 6 : i64, kv_num_heads = 2 : i64} : (tensor<2x4x48xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, none, none, none, none) -> (tensor<2x4x48xf32>, none, none, none)
  return %0#0 : tensor<2x4x48xf32>
}

// -----

// Tests that causal Attention with a KV cache concatenates past and new keys and values
// (the present outputs), pads a short bool mask with false, builds a 0 / -inf bias from
// the mask and the offset causal frontier (j <= i + past length), zeroes fully masked
// rows, and returns the biased scores for qk_matmul_output_mode = 2.
// CHECK-LABEL: func.func @attention_causal_past
// CHECK-SAME: ([[Q:%.+]]: tensor<1x2x3x4xf32>, [[K:%.+]]: tensor<1x2x3x4xf32>, [[V:%.+]]: tensor<1x2x3x4xf32>, [[M:%.+]]: tensor<3x4xi1>, [[PK:%.+]]: tensor<1x2x2x4xf32>, [[PV:%.+]]: tensor<1x2x2x4xf32>)
// CHECK-DAG: [[PRESENT_K:%.+]] = tensor.concat dim(2) [[PK]], [[K]] : (tensor<1x2x2x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x5x4xf32>
// CHECK-DAG: [[PRESENT_V:%.+]] = tensor.concat dim(2) [[PV]], [[V]] : (tensor<1x2x2x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x5x4xf32>
// CHECK: [[PAD:%.+]] = tensor.pad [[M]] low[0, 0] high[0, 1]
// CHECK: [[BIAS:%.+]] = linalg.generic {{.*}} ins([[PAD]] : tensor<3x5xi1>)
// CHECK: linalg.index 2
// CHECK: linalg.index 3
// CHECK: arith.cmpi sle
// CHECK: arith.andi
// CHECK: arith.select
// CHECK: [[WITH_BIAS:%.+]] = linalg.generic {{.*}} ins({{.*}}, [[BIAS]] : tensor<1x2x3x5xf32>, tensor<1x2x3x5xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins([[BIAS]] : tensor<1x2x3x5xf32>)
// CHECK: arith.cmpf oeq
// CHECK: arith.select
// CHECK: return {{.*}}, [[PRESENT_K]], [[PRESENT_V]], [[WITH_BIAS]]
func.func @attention_causal_past(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x4xf32>, %m: tensor<3x4xi1>, %pk: tensor<1x2x2x4xf32>, %pv: tensor<1x2x2x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x3x5xf32>) {
  %none = onnx.NoValue
  %0:4 = "onnx.Attention"(%q, %k, %v, %m, %pk, %pv, %none) {is_causal = 1 : i64, qk_matmul_output_mode = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<3x4xi1>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, none) -> (tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x3x5xf32>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x3x5xf32>
}

// -----

// Tests that softcap caps the scaled scores with softcap * tanh(x / softcap) and that an
// f16 Attention computes in f32, rounding the probabilities to f16 before the second
// contraction and casting Y back to f16.
// CHECK-LABEL: func.func @attention_softcap_f16
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: arith.divf
// CHECK: math.tanh
// CHECK: arith.mulf
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: return {{.*}} : tensor<1x1x2x4xf16>
func.func @attention_softcap_f16(%q: tensor<1x1x2x4xf16>, %k: tensor<1x1x3x4xf16>, %v: tensor<1x1x3x4xf16>) -> tensor<1x1x2x4xf16> {
  %none = onnx.NoValue
  %0:4 = "onnx.Attention"(%q, %k, %v, %none, %none, %none, %none) {softcap = 2.0 : f32} : (tensor<1x1x2x4xf16>, tensor<1x1x3x4xf16>, tensor<1x1x3x4xf16>, none, none, none, none) -> (tensor<1x1x2x4xf16>, none, none, none)
  return %0#0 : tensor<1x1x2x4xf16>
}
