// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Split with num_outputs gives consecutive slices.
// CHECK-LABEL: func.func @split
// CHECK-SAME: ([[X:%.+]]: tensor<?x6xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[A:%.+]] = tensor.extract_slice [[X]][0, 0] {{\[}}[[D]], 3] [1, 1]
// CHECK: [[B:%.+]] = tensor.extract_slice [[X]][0, 3] {{\[}}[[D]], 3] [1, 1]
// CHECK: return [[A]], [[B]]
func.func @split(%x: tensor<?x6xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %n = onnx.NoValue
  %0, %1 = "onnx.Split"(%x, %n) {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<?x6xf32>, none) -> (tensor<?x3xf32>, tensor<?x3xf32>)
  return %0, %1 : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

// Tests that Split with run-time split sizes reads them with tensor.extract and offsets the
// second slice by the first size.
// CHECK-LABEL: func.func @split_runtime_sizes
// CHECK-SAME: ([[X:%.+]]: tensor<6xf32>, [[S:%.+]]: tensor<2xi64>)
// CHECK: [[E0:%.+]] = tensor.extract [[S]][%c0
// CHECK: [[N0:%.+]] = arith.index_cast [[E0]]
// CHECK: [[E1:%.+]] = tensor.extract [[S]][%c1
// CHECK: [[N1:%.+]] = arith.index_cast [[E1]]
// CHECK: tensor.extract_slice [[X]][0] {{\[}}[[N0]]] [1]
// CHECK: tensor.extract_slice [[X]][[[N0]]] {{\[}}[[N1]]] [1]
func.func @split_runtime_sizes(%x: tensor<6xf32>, %s: tensor<2xi64>) -> (tensor<?xf32>, tensor<?xf32>) {
  %0:2 = "onnx.Split"(%x, %s) {axis = 0 : i64} : (tensor<6xf32>, tensor<2xi64>) -> (tensor<?xf32>, tensor<?xf32>)
  return %0#0, %0#1 : tensor<?xf32>, tensor<?xf32>
}

// -----

// Tests that an empty last Split chunk (sizes [8, 0]) slices from offset 0, not from the
// end of the axis (which extract_slice rejects once the offset is a constant).
// CHECK-LABEL: func.func @split_empty_tail
// CHECK: tensor.extract_slice %{{.+}}[0, 0] [2, 8] [1, 1]
// CHECK: tensor.extract_slice %{{.+}}[0, 0] [2, 0] [1, 1]
func.func @split_empty_tail(%x: tensor<2x8xf32>) -> (tensor<2x?xf32>, tensor<2x?xf32>) {
  %s = "onnx.Constant"() <{value = dense<[8, 0]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0:2 = "onnx.Split"(%x, %s) <{axis = -1 : i64}> : (tensor<2x8xf32>, tensor<2xi64>) -> (tensor<2x?xf32>, tensor<2x?xf32>)
  return %0#0, %0#1 : tensor<2x?xf32>, tensor<2x?xf32>
}

// -----

// Tests that Split checks that its sizes add up to the axis.
// CHECK-LABEL: func.func @split_sum
// CHECK: kiln.check {{.*}}message = "node 'sp' (Split): the split sizes add up to {} but the input has {} along axis 0"
func.func @split_sum(%x: tensor<?xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %s = "onnx.Constant"() {value = dense<[2, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0:2 = "onnx.Split"(%x, %s) {axis = 0 : i64} : (tensor<?xf32>, tensor<2xi64>) -> (tensor<2xf32>, tensor<2xf32>) loc("sp")
  return %0#0, %0#1 : tensor<2xf32>, tensor<2xf32>
}
