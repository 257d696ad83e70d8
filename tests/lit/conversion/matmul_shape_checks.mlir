// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

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
