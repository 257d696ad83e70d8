// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

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

// -----

// Tests that Concat checks the dims off its axis against the first input.
// CHECK-LABEL: func.func @concat_off_axis
// CHECK: kiln.check {{.*}}message = "node 'cc' (Concat): input 1 has size {} in dim 1 where the others have {} (expected equal sizes off the axis)"
// CHECK: tensor.concat
func.func @concat_off_axis(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = "onnx.Concat"(%a, %b) {axis = 0 : i64} : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32> loc("cc")
  return %0 : tensor<?x?xf32>
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

// -----

// Tests that Expand checks its input against a constant shape and broadcasts a run-time 1.
// CHECK-LABEL: func.func @expand_dynamic_input
// CHECK: kiln.check {{.*}}message = "node 'ex' (Expand): the input has size {} in dim 0 where the broadcast result has {} (expected equal sizes, or 1)"
// CHECK: scf.if
func.func @expand_dynamic_input(%x: tensor<?xf32>) -> tensor<2x4xf32> {
  %s = "onnx.Constant"() {value = dense<[2, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Expand"(%x, %s) : (tensor<?xf32>, tensor<2xi64>) -> tensor<2x4xf32> loc("ex")
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that Tile checks its repeats are not negative.
// CHECK-LABEL: func.func @tile_repeats
// CHECK: kiln.check {{.*}}message = "node 't' (Tile): repeats has {} for dim 0 (expected >= {})"
func.func @tile_repeats(%x: tensor<?xf32>, %r: tensor<1xi64>) -> tensor<?xf32> {
  %0 = "onnx.Tile"(%x, %r) : (tensor<?xf32>, tensor<1xi64>) -> tensor<?xf32> loc("t")
  return %0 : tensor<?xf32>
}
