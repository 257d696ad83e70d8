// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Concat becomes tensor.concat, with a dynamic batch.
// CHECK-LABEL: func.func @concat
// CHECK-SAME: ([[A:%.+]]: tensor<?x3xf32>, [[B:%.+]]: tensor<?x1xf32>)
// CHECK: [[C:%.+]] = tensor.concat dim(1) [[A]], [[B]] : (tensor<?x3xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
// CHECK: return [[C]]
func.func @concat(%a: tensor<?x3xf32>, %b: tensor<?x1xf32>) -> tensor<?x4xf32> {
  %0 = "onnx.Concat"(%a, %b) {axis = -1 : i64} : (tensor<?x3xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Tests that Concat checks the dims off its axis against the first input.
// CHECK-LABEL: func.func @concat_off_axis
// CHECK: kiln.check {{.*}}message = "node 'cc' (Concat): input 1 has size {} in dim 1 where the others have {} (expected equal sizes off the axis)"
// CHECK: tensor.concat
func.func @concat_off_axis(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = "onnx.Concat"(%a, %b) {axis = 0 : i64} : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32> loc("cc")
  return %0 : tensor<?x?xf32>
}
