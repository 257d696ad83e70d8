// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Slice with constant starts/ends/steps becomes a strided extract_slice whose
// size on the dynamic batch is computed at run time.
// CHECK-LABEL: func.func @slice
// CHECK-SAME: ([[X:%.+]]: tensor<?x10xf32>)
// CHECK: tensor.dim [[X]], %c0
// CHECK: [[START:%.+]] = arith.minsi %{{.+}}, %c1
// CHECK: [[SPAN:%.+]] = arith.subi %{{.+}}, [[START]]
// CHECK: [[SIZE:%.+]] = arith.maxsi [[SPAN]]
// CHECK: [[S1:%.+]] = tensor.extract_slice [[X]]{{\[}}[[START]], 1] {{\[}}[[SIZE]], 5] [1, 2] : tensor<?x10xf32> to tensor<?x5xf32>
// CHECK: [[D1:%.+]] = tensor.dim [[S1]], %c0
// CHECK: [[S2:%.+]] = tensor.extract_slice [[S1]][0, 0] {{\[}}[[D1]], 4] [1, 1] : tensor<?x5xf32> to tensor<?x4xf32>
// CHECK: return [[S2]]
func.func @slice(%x: tensor<?x10xf32>) -> tensor<?x4xf32> {
  %s = "onnx.Constant"() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %e = "onnx.Constant"() {value = dense<[-1, 9223372036854775807]> : tensor<2xi64>} : () -> tensor<2xi64>
  %st = "onnx.Constant"() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = "onnx.Slice"(%x, %s, %e, %n, %st) : (tensor<?x10xf32>, tensor<2xi64>, tensor<2xi64>, none, tensor<2xi64>) -> tensor<?x5xf32>
  %s2 = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e2 = "onnx.Constant"() {value = dense<[4]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a2 = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1 = "onnx.Slice"(%0, %s2, %e2, %a2, %n) : (tensor<?x5xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// Tests that a negative step slices forwards from the lowest element, then reverses.
// CHECK-LABEL: func.func @slice_reverse
// CHECK: [[S:%.+]] = tensor.extract_slice %{{.+}}[1] [3] [2] : tensor<6xf32> to tensor<3xf32>
// CHECK: linalg.generic
// CHECK: [[I:%.+]] = linalg.index 0
// CHECK: [[J:%.+]] = arith.subi %{{.+}}, [[I]]
// CHECK: tensor.extract [[S]]{{\[}}[[J]]]
func.func @slice_reverse(%x: tensor<6xf32>) -> tensor<3xf32> {
  %s = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = "onnx.Constant"() {value = dense<[-100]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = "onnx.Constant"() {value = dense<[-2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %n = onnx.NoValue
  %0 = "onnx.Slice"(%x, %s, %e, %n, %st) : (tensor<6xf32>, tensor<1xi64>, tensor<1xi64>, none, tensor<1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Tests that Slice with run-time axes and steps selects each dim's bounds by comparing the
// normalized axes with it, takes a strided extract_slice with |step|, and reverses the dims
// whose step is negative with an index gather.
// CHECK-LABEL: func.func @slice_runtime_axes
// CHECK-SAME: ([[X:%.+]]: tensor<20x10xf32>
// CHECK: arith.ceildivsi
// CHECK: [[S:%.+]] = tensor.extract_slice [[X]][%{{.+}}, %{{.+}}] [%{{.+}}, %{{.+}}] [%{{.+}}, %{{.+}}] : tensor<20x10xf32> to tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: arith.select
// CHECK: tensor.extract [[S]]
func.func @slice_runtime_axes(%x: tensor<20x10xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %a: tensor<1xi64>, %st: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Slice"(%x, %s, %e, %a, %st) : (tensor<20x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that a Slice whose result type is static (from value_info) over a dynamic input
// checks the run-time size before the cast the consumers rely on.
// CHECK-LABEL: func.func @slice_static_result
// CHECK: kiln.check {{.*}}message = "node 'sl' (Slice): the result has size {} in dim 0 where the model's shapes imply {}"
// CHECK: tensor.cast
func.func @slice_static_result(%x: tensor<?xf32>) -> tensor<3xf32> {
  %s = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = "onnx.Constant"() {value = dense<[3]> : tensor<1xi64>} : () -> tensor<1xi64>
  %n = onnx.NoValue
  %0 = "onnx.Slice"(%x, %s, %e, %n, %n) : (tensor<?xf32>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<3xf32> loc("sl")
  return %0 : tensor<3xf32>
}
