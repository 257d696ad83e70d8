// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that the PyTorch x.view(x.size(0), -1) chain (Shape, Gather, Unsqueeze, Concat,
// Reshape) on a dynamic batch becomes a collapse_shape.
// CHECK-LABEL: func.func @reshape_view
// CHECK-SAME: ([[X:%.+]]: tensor<?x16x4x4xf32>)
// CHECK: [[R:%.+]] = tensor.collapse_shape [[X]] {{\[}}[0], [1, 2, 3]] : tensor<?x16x4x4xf32> into tensor<?x256xf32>
// CHECK-NOT: tensor.reshape
// CHECK: return [[R]]
func.func @reshape_view(%x: tensor<?x16x4x4xf32>) -> tensor<?x256xf32> {
  %s = "onnx.Shape"(%x) : (tensor<?x16x4x4xf32>) -> tensor<4xi64>
  %i = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %g = "onnx.Gather"(%s, %i) {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %a = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %u = "onnx.Unsqueeze"(%g, %a) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %m = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %c = "onnx.Concat"(%u, %m) {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = "onnx.Reshape"(%x, %c) : (tensor<?x16x4x4xf32>, tensor<2xi64>) -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

// Tests that a constant shape with 0 (copy) and -1 (infer) becomes an expand_shape.
// CHECK-LABEL: func.func @reshape_expand
// CHECK-SAME: ([[X:%.+]]: tensor<?x6xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[R:%.+]] = tensor.expand_shape [[X]] {{\[}}[0], [1, 2]] output_shape {{\[}}[[D]], 3, 2] : tensor<?x6xf32> into tensor<?x3x2xf32>
// CHECK: return [[R]]
func.func @reshape_expand(%x: tensor<?x6xf32>) -> tensor<?x3x2xf32> {
  %c = "onnx.Constant"() {value = dense<[0, -1, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %r = "onnx.Reshape"(%x, %c) : (tensor<?x6xf32>, tensor<3xi64>) -> tensor<?x3x2xf32>
  return %r : tensor<?x3x2xf32>
}

// -----

// Tests that a static reshape that regroups dims across groups (2x3 -> 3x2) collapses,
// then expands.
// CHECK-LABEL: func.func @reshape_static
// CHECK: [[C:%.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: [[E:%.+]] = tensor.expand_shape [[C]] {{\[}}[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
// CHECK: return [[E]]
func.func @reshape_static(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %c = "onnx.Constant"() {value = dense<[3, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = "onnx.Reshape"(%x, %c) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// Tests that a run-time shape is resolved (0 copies, -1 infers) before tensor.reshape.
// CHECK-LABEL: func.func @reshape_runtime
// CHECK-SAME: ([[X:%.+]]: tensor<?x6xf32>, [[S:%.+]]: tensor<2xi64>)
// CHECK-DAG: tensor.extract [[S]][%c0{{.*}}] : tensor<2xi64>
// CHECK-DAG: tensor.extract [[S]][%c1{{.*}}] : tensor<2xi64>
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: kiln.check
// CHECK: [[INFERRED:%.+]] = arith.divui
// CHECK: [[SHAPE:%.+]] = tensor.from_elements %{{.+}}, %{{.+}} : tensor<2xi64>
// CHECK: [[R:%.+]] = tensor.reshape [[X]]([[SHAPE]]) : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK: return [[R]]
func.func @reshape_runtime(%x: tensor<?x6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %r = "onnx.Reshape"(%x, %s) : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Tests that a run-time Reshape target is checked as ONNX Runtime does: entries >= -1,
// a 0 past the input's rank, at most one -1, and the element count.
// CHECK-LABEL: func.func @reshape_runtime
// CHECK: kiln.check {{.*}}message = "node 'rs' (Reshape): the requested shape has {} in dim 0 (expected >= {})"
// CHECK: kiln.check {{.*}}message = "node 'rs' (Reshape): the requested shape has {} in dim 1, past the input's rank, where a 0 has no input dim to copy (expected not {})"
// CHECK: kiln.check {{.*}}message = "node 'rs' (Reshape): the requested shape has {} entries of -1 (expected at most {})"
// CHECK: kiln.check {{.*}}message = "node 'rs' (Reshape): the input has {} elements, which the requested shape cannot hold (its entries other than -1 multiply to {})"
// CHECK: tensor.reshape
func.func @reshape_runtime(%x: tensor<?xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Reshape"(%x, %s) {allowzero = 0 : i64} : (tensor<?xf32>, tensor<2xi64>) -> tensor<?x?xf32> loc("rs")
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that a constant target with a dynamic input checks the element count.
// CHECK-LABEL: func.func @reshape_const_dynamic_data
// CHECK: kiln.check {{.*}}message = "node 'rs2' (Reshape): the input has {} elements
func.func @reshape_const_dynamic_data(%x: tensor<?xf32>) -> tensor<2x3xf32> {
  %s = "onnx.Constant"() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%x, %s) {allowzero = 0 : i64} : (tensor<?xf32>, tensor<2xi64>) -> tensor<2x3xf32> loc("rs2")
  return %0 : tensor<2x3xf32>
}
