// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that a 2-D MatMul becomes linalg.matmul into a zero-filled accumulator.
// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: ([[A:%.+]]: tensor<3x4xf32>, [[B:%.+]]: tensor<4x5xf32>)
// CHECK: [[ZERO:%.+]] = arith.constant 0.000000e+00 : f32
// CHECK: [[EMPTY:%.+]] = tensor.empty() : tensor<3x5xf32>
// CHECK: [[ACC:%.+]] = linalg.fill ins([[ZERO]] : f32) outs([[EMPTY]] : tensor<3x5xf32>)
// CHECK: [[R:%.+]] = linalg.matmul ins([[A]], [[B]] : tensor<3x4xf32>, tensor<4x5xf32>) outs([[ACC]] : tensor<3x5xf32>)
// CHECK: return [[R]]
func.func @matmul_2d(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Tests that [B, S, K] x [K, N] with dynamic B collapses B * S into M.
// CHECK-LABEL: func.func @matmul_bsk_kn
// CHECK-SAME: ([[A:%.+]]: tensor<?x7x4xf32>, [[B:%.+]]: tensor<4x5xf32>)
// CHECK-DAG: [[D0:%.+]] = tensor.dim [[A]], %c0
// CHECK: [[A2:%.+]] = tensor.collapse_shape [[A]] {{\[}}[0, 1], [2]] : tensor<?x7x4xf32> into tensor<?x4xf32>
// CHECK: [[M:%.+]] = tensor.dim [[A2]], %c0
// CHECK: [[EMPTY:%.+]] = tensor.empty([[M]]) : tensor<?x5xf32>
// CHECK: [[ACC:%.+]] = linalg.fill {{.*}} outs([[EMPTY]] : tensor<?x5xf32>)
// CHECK: [[MM:%.+]] = linalg.matmul ins([[A2]], [[B]] : tensor<?x4xf32>, tensor<4x5xf32>) outs([[ACC]] : tensor<?x5xf32>)
// CHECK: [[R:%.+]] = tensor.expand_shape [[MM]] {{\[}}[0, 1], [2]] output_shape {{\[}}[[D0]], 7, 5] : tensor<?x5xf32> into tensor<?x7x5xf32>
// CHECK: return [[R]]
func.func @matmul_bsk_kn(%a: tensor<?x7x4xf32>, %b: tensor<4x5xf32>) -> tensor<?x7x5xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<?x7x4xf32>, tensor<4x5xf32>) -> tensor<?x7x5xf32>
  return %0 : tensor<?x7x5xf32>
}

// -----

// Tests that leading dims with two dynamic sizes are not merged (neither [B, S] rows nor
// 4-D batch dims): fusion would turn the collapse into a memref.expand_shape with two
// dynamic dims in a group, which expand-strided-metadata crashes on. A linalg.generic
// contraction needs no reshape.
// CHECK-LABEL: func.func @matmul_two_dynamic_leading
// CHECK-NOT: collapse_shape
// CHECK-NOT: expand_shape
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins({{.*}} : tensor<?x?x4xf32>, tensor<4x5xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins({{.*}} : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>)
// CHECK-NOT: expand_shape
func.func @matmul_two_dynamic_leading(%a: tensor<?x?x4xf32>, %b: tensor<4x5xf32>, %c: tensor<?x?x?x?xf32>, %d: tensor<?x?x?x?xf32>) -> (tensor<?x?x5xf32>, tensor<?x?x?x?xf32>) {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<?x?x4xf32>, tensor<4x5xf32>) -> tensor<?x?x5xf32>
  %1 = "onnx.MatMul"(%c, %d) : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  return %0, %1 : tensor<?x?x5xf32>, tensor<?x?x?x?xf32>
}

// -----

// Tests that equal batch dims (dynamic batch) become one linalg.batch_matmul. The two
// batch dims come from different inputs: they are checked, and a run-time 1 broadcast.
// CHECK-LABEL: func.func @matmul_batch
// CHECK-SAME: ([[A:%.+]]: tensor<?x8x3x4xf32>, [[B:%.+]]: tensor<?x8x4x5xf32>)
// CHECK: kiln.check
// CHECK: [[D0:%.+]] = arith.select
// CHECK: [[A2:%.+]] = scf.if
// CHECK: [[B2:%.+]] = scf.if
// CHECK-DAG: [[A3:%.+]] = tensor.collapse_shape [[A2]] {{\[}}[0, 1], [2], [3]] : tensor<?x8x3x4xf32> into tensor<?x3x4xf32>
// CHECK-DAG: [[B3:%.+]] = tensor.collapse_shape [[B2]] {{\[}}[0, 1], [2], [3]] : tensor<?x8x4x5xf32> into tensor<?x4x5xf32>
// CHECK: [[ACC:%.+]] = linalg.fill {{.*}} -> tensor<?x3x5xf32>
// CHECK: [[MM:%.+]] = linalg.batch_matmul ins([[A3]], [[B3]] : tensor<?x3x4xf32>, tensor<?x4x5xf32>) outs([[ACC]] : tensor<?x3x5xf32>)
// CHECK: [[R:%.+]] = tensor.expand_shape [[MM]] {{\[}}[0, 1], [2], [3]] output_shape {{\[}}[[D0]], 8, 3, 5] : tensor<?x3x5xf32> into tensor<?x8x3x5xf32>
// CHECK: return [[R]]
func.func @matmul_batch(%a: tensor<?x8x3x4xf32>, %b: tensor<?x8x4x5xf32>) -> tensor<?x8x3x5xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<?x8x3x4xf32>, tensor<?x8x4x5xf32>) -> tensor<?x8x3x5xf32>
  return %0 : tensor<?x8x3x5xf32>
}

// -----

// Tests that broadcast batch dims become a linalg.generic contraction reading index 0.
// CHECK-DAG: [[LHS:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: [[RHS:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d4, d3)>
// CHECK-DAG: [[OUT:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_broadcast
// CHECK: linalg.generic {indexing_maps = {{\[}}[[LHS]], [[RHS]], [[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: [[P:%.+]] = arith.mulf
// CHECK: arith.addf %{{.+}}, [[P]] : f32
func.func @matmul_broadcast(%a: tensor<2x3x3x4xf32>, %b: tensor<1x3x4x5xf32>) -> tensor<2x3x3x5xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x3x3x4xf32>, tensor<1x3x4x5xf32>) -> tensor<2x3x3x5xf32>
  return %0 : tensor<2x3x3x5xf32>
}

// -----

// Tests that a 1-D lhs gets a unit row that is dropped from the result.
// CHECK-LABEL: func.func @matmul_vector_matrix
// CHECK-SAME: ([[A:%.+]]: tensor<4xf32>, [[B:%.+]]: tensor<4x5xf32>)
// CHECK: [[A2:%.+]] = tensor.expand_shape [[A]] {{\[}}[0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
// CHECK: [[MM:%.+]] = linalg.matmul ins([[A2]], [[B]] : tensor<1x4xf32>, tensor<4x5xf32>)
// CHECK: [[R:%.+]] = tensor.collapse_shape [[MM]] {{\[}}[0, 1]] : tensor<1x5xf32> into tensor<5xf32>
// CHECK: return [[R]]
func.func @matmul_vector_matrix(%a: tensor<4xf32>, %b: tensor<4x5xf32>) -> tensor<5xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<4xf32>, tensor<4x5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Tests that integer MatMul uses the same named op.
// CHECK-LABEL: func.func @matmul_i32
// CHECK: [[ZERO:%.+]] = arith.constant 0 : i32
// CHECK: linalg.fill ins([[ZERO]] : i32)
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<3x4xi32>, tensor<4x5xi32>)
func.func @matmul_i32(%a: tensor<3x4xi32>, %b: tensor<4x5xi32>) -> tensor<3x5xi32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<3x4xi32>, tensor<4x5xi32>) -> tensor<3x5xi32>
  return %0 : tensor<3x5xi32>
}

// -----

// Tests that MatMulInteger widens to i32, subtracts the zero points (unsigned A
// zero-extends) and multiplies.
// CHECK-LABEL: func.func @matmul_integer
// CHECK-SAME: ([[A:%.+]]: tensor<3x4xi8>, [[B:%.+]]: tensor<4x5xi8>, [[ZA:%.+]]: tensor<i8>)
// CHECK: [[AW:%.+]] = linalg.generic {{.*}} ins([[A]], [[ZA]] : tensor<3x4xi8>, tensor<i8>)
// CHECK: [[X:%.+]] = arith.extui %{{.+}} : i8 to i32
// CHECK: [[Z:%.+]] = arith.extui %{{.+}} : i8 to i32
// CHECK: arith.subi [[X]], [[Z]] : i32
// CHECK: [[BW:%.+]] = linalg.generic {{.*}} ins([[B]] : tensor<4x5xi8>)
// CHECK: arith.extsi %{{.+}} : i8 to i32
// CHECK: linalg.matmul ins([[AW]], [[BW]] : tensor<3x4xi32>, tensor<4x5xi32>)
func.func @matmul_integer(%a: tensor<3x4xui8>, %b: tensor<4x5xi8>, %za: tensor<ui8>) -> tensor<3x5xi32> {
  %none = onnx.NoValue
  %0 = "onnx.MatMulInteger"(%a, %b, %za, %none) : (tensor<3x4xui8>, tensor<4x5xi8>, tensor<ui8>, none) -> tensor<3x5xi32>
  return %0 : tensor<3x5xi32>
}

// -----

// Tests that Gemm with transA, transB, alpha, beta and a [N] C is a linalg.matmul with
// transposing maps followed by an elementwise epilogue.
// CHECK-DAG: [[MA:#.+]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: [[MB:#.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: [[MC:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: [[ROW:#.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: ([[A:%.+]]: tensor<4x?xf32>, [[B:%.+]]: tensor<5x4xf32>, [[C:%.+]]: tensor<5xf32>)
// CHECK: [[M:%.+]] = tensor.dim [[A]], %c1
// CHECK: [[EMPTY:%.+]] = tensor.empty([[M]]) : tensor<?x5xf32>
// CHECK: [[ACC:%.+]] = linalg.fill {{.*}} outs([[EMPTY]] : tensor<?x5xf32>)
// CHECK: [[MM:%.+]] = linalg.matmul indexing_maps = {{\[}}[[MA]], [[MB]], [[MC]]] ins([[A]], [[B]] : tensor<4x?xf32>, tensor<5x4xf32>) outs([[ACC]] : tensor<?x5xf32>)
// CHECK-DAG: [[ALPHA:%.+]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: [[BETA:%.+]] = arith.constant 2.000000e+00 : f32
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]], [[ID]]], iterator_types = ["parallel", "parallel"]} ins([[MM]], [[C]] : tensor<?x5xf32>, tensor<5xf32>)
// CHECK: ^bb0([[X:%.+]]: f32, [[Y:%.+]]: f32, %{{.+}}: f32):
// CHECK: [[AX:%.+]] = arith.mulf [[X]], [[ALPHA]] : f32
// CHECK: [[BY:%.+]] = arith.mulf [[Y]], [[BETA]] : f32
// CHECK: [[S:%.+]] = arith.addf [[AX]], [[BY]] : f32
// CHECK: linalg.yield [[S]]
// CHECK: return [[R]]
func.func @gemm(%a: tensor<4x?xf32>, %b: tensor<5x4xf32>, %c: tensor<5xf32>) -> tensor<?x5xf32> {
  %0 = "onnx.Gemm"(%a, %b, %c) {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, transA = 1 : i64, transB = 1 : i64} : (tensor<4x?xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// Tests that Gemm without C and with alpha = 1 is just the matmul.
// CHECK-LABEL: func.func @gemm_plain
// CHECK: [[R:%.+]] = linalg.matmul ins
// CHECK-NOT: linalg.generic
// CHECK: return [[R]]
func.func @gemm_plain(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Gemm"(%a, %b, %none) : (tensor<3x4xf32>, tensor<4x5xf32>, none) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Tests that a dynamic inner dimension is checked before the contraction.
// CHECK-LABEL: func.func @matmul_inner
// CHECK-SAME: ([[A:%.+]]: tensor<?x?xf32>, [[B:%.+]]: tensor<?x5xf32>)
// CHECK-DAG: [[K1:%.+]] = tensor.dim [[A]], %c1
// CHECK-DAG: [[K2:%.+]] = tensor.dim [[B]], %c0
// CHECK: kiln.check {{%.+}}, [[K1]], [[K2]] {code = 1 : i32, message = "node 'mm' (MatMul): the first input has {} columns but the second has {} rows (expected equal inner dimensions)"}
// CHECK: linalg.matmul
func.func @matmul_inner(%a: tensor<?x?xf32>, %b: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<?x?xf32>, tensor<?x5xf32>) -> tensor<?x5xf32> loc("mm")
  return %0 : tensor<?x5xf32>
}

// -----

// Tests that a constant weight against a dynamic inner dimension is checked too.
// CHECK-LABEL: func.func @matmul_const_weight
// CHECK: kiln.check {{.*}}message = "node 'mmw' (MatMul): the first input has {} columns but the second has {} rows
func.func @matmul_const_weight(%a: tensor<?x?xf32>) -> tensor<?x2xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<3x2xf32>} : () -> tensor<3x2xf32>
  %0 = "onnx.MatMul"(%a, %w) : (tensor<?x?xf32>, tensor<3x2xf32>) -> tensor<?x2xf32> loc("mmw")
  return %0 : tensor<?x2xf32>
}

// -----

// Tests that dynamic batch dims of different sources are checked like a broadcast and
// that a run-time 1 is materialized, so batch_matmul still sees equal batches.
// CHECK-LABEL: func.func @bmm_batch
// CHECK: kiln.check {{.*}}message = "node 'bmm' (MatMul): input 1 has size {} in dim 0 where the others have {} (expected equal sizes, or 1)"
// CHECK: scf.if
// CHECK: scf.if
// CHECK: linalg.batch_matmul
func.func @bmm_batch(%a: tensor<?x2x3xf32>, %b: tensor<?x3x4xf32>) -> tensor<?x2x4xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<?x2x3xf32>, tensor<?x3x4xf32>) -> tensor<?x2x4xf32> loc("bmm")
  return %0 : tensor<?x2x4xf32>
}

// -----

// Tests that Gemm checks its inner dimension after transposition.
// CHECK-LABEL: func.func @gemm_inner
// CHECK: kiln.check {{.*}}message = "node 'g' (Gemm): A has {} columns (after transA) but B has {} rows (after transB); expected equal inner dimensions"
func.func @gemm_inner(%a: tensor<?x?xf32>, %b: tensor<5x?xf32>) -> tensor<?x5xf32> {
  %none = "onnx.NoValue"() {value} : () -> none
  %0 = "onnx.Gemm"(%a, %b, %none) {transB = 1 : i64} : (tensor<?x?xf32>, tensor<5x?xf32>, none) -> tensor<?x5xf32> loc("g")
  return %0 : tensor<?x5xf32>
}

// -----

// Tests that a per-column zero point of MatMulInteger's B is read along B's last dim.
// CHECK-DAG: [[COL:#.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @matmul_integer_per_column
// CHECK: linalg.generic {indexing_maps = [{{.+}}, [[COL]], {{.+}}]
// CHECK: linalg.matmul
func.func @matmul_integer_per_column(%a: tensor<3x4xui8>, %b: tensor<4x5xi8>, %zb: tensor<5xi8>) -> tensor<3x5xi32> {
  %none = onnx.NoValue
  %0 = "onnx.MatMulInteger"(%a, %b, %none, %zb) : (tensor<3x4xui8>, tensor<4x5xi8>, none, tensor<5xi8>) -> tensor<3x5xi32>
  return %0 : tensor<3x5xi32>
}

// -----

// Tests that QLinearMatMul multiplies the widened operands in i32 and requantizes:
// acc * (a_scale * b_scale / y_scale) in f64, plus the zero point, rounded half to even
// and clamped to [0, 255].
// CHECK-LABEL: func.func @qlinear_matmul
// CHECK: linalg.matmul ins({{.+}} : tensor<2x4xi32>, tensor<4x3xi32>)
// CHECK: linalg.generic
// CHECK: arith.mulf {{.+}} : f32
// CHECK: arith.divf {{.+}} : f32
// CHECK: arith.sitofp {{.+}} : i32 to f64
// CHECK: math.roundeven {{.+}} : f64
// CHECK: arith.fptoui {{.+}} : f64 to i8
func.func @qlinear_matmul(%a: tensor<2x4xui8>, %s: tensor<f32>, %z: tensor<ui8>, %b: tensor<4x3xui8>) -> tensor<2x3xui8> {
  %0 = "onnx.QLinearMatMul"(%a, %s, %z, %b, %s, %z, %s, %z) : (tensor<2x4xui8>, tensor<f32>, tensor<ui8>, tensor<4x3xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

// Tests that an f16 MatMul sums its products in f32 (linalg.matmul with an f32 accumulator)
// and rounds the result to f16 once, as numpy and ONNX Runtime do.
// CHECK-LABEL: func.func @matmul_f16_accumulates_in_f32
// CHECK: [[ACC:%.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<6x4xf16>, tensor<4x5xf16>) outs(%{{.+}} : tensor<6x5xf32>) -> tensor<6x5xf32>
// CHECK: [[WIDE:%.+]] = tensor.expand_shape [[ACC]]
// CHECK: linalg.generic {{.*}} ins([[WIDE]] : tensor<2x3x5xf32>) outs(%{{.+}} : tensor<2x3x5xf16>)
// CHECK: arith.truncf %{{.+}} : f32 to f16
func.func @matmul_f16_accumulates_in_f32(%a: tensor<2x3x4xf16>, %b: tensor<4x5xf16>) -> tensor<2x3x5xf16> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x3x4xf16>, tensor<4x5xf16>) -> tensor<2x3x5xf16>
  return %0 : tensor<2x3x5xf16>
}
