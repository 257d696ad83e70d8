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

// -----

// Tests that constant and edge Pad check a static result over a dynamic input, and that a
// static input with constant pads gets no check.
// CHECK-LABEL: func.func @pad_static_result
// CHECK: kiln.check {{.*}}message = "node 'pc' (Pad): the result has size {} in dim 0 where the model's shapes imply {}"
// CHECK: kiln.check {{.*}}message = "node 'pe' (Pad): the padded input has size {} in dim 0 where the model's shapes imply {}"
// CHECK-LABEL: func.func @pad_static
// CHECK-NOT: kiln.check
// CHECK: return
func.func @pad_static_result(%x: tensor<?xf32>) -> (tensor<5xf32>, tensor<5xf32>) {
  %p = "onnx.Constant"() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = "onnx.Pad"(%x, %p, %n, %n) : (tensor<?xf32>, tensor<2xi64>, none, none) -> tensor<5xf32> loc("pc")
  %1 = "onnx.Pad"(%x, %p, %n, %n) {mode = "edge"} : (tensor<?xf32>, tensor<2xi64>, none, none) -> tensor<5xf32> loc("pe")
  return %0, %1 : tensor<5xf32>, tensor<5xf32>
}
func.func @pad_static(%x: tensor<3xf32>) -> (tensor<5xf32>, tensor<5xf32>) {
  %p = "onnx.Constant"() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = "onnx.Pad"(%x, %p, %n, %n) : (tensor<3xf32>, tensor<2xi64>, none, none) -> tensor<5xf32> loc("pc2")
  %1 = "onnx.Pad"(%x, %p, %n, %n) {mode = "edge"} : (tensor<3xf32>, tensor<2xi64>, none, none) -> tensor<5xf32> loc("pe2")
  return %0, %1 : tensor<5xf32>, tensor<5xf32>
}
