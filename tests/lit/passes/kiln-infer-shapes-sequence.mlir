// RUN: kiln-opt --split-input-file --kiln-infer-shapes %s | FileCheck %s

// Tests that SplitToSequence gives elements of the input's rank (the axis dynamic for
// run-time sizes, 1 without a split) or one less without keepdims.
// CHECK-LABEL: func.func @split
// CHECK: "onnx.SplitToSequence"{{.*}} -> !onnx.seq<tensor<3x?xf32>>
// CHECK: "onnx.SplitToSequence"{{.*}} -> !onnx.seq<tensor<3xf32>>
// CHECK: "onnx.SplitToSequence"{{.*}} -> !onnx.seq<tensor<3x1xf32>>
func.func @split(%x: tensor<3x6xf32>, %s: tensor<i64>) -> (!onnx.seq<tensor<*xf32>>, !onnx.seq<tensor<*xf32>>, !onnx.seq<tensor<*xf32>>) {
  %n = onnx.NoValue
  %0 = "onnx.SplitToSequence"(%x, %s) {axis = 1 : i64} : (tensor<3x6xf32>, tensor<i64>) -> !onnx.seq<tensor<*xf32>>
  %1 = "onnx.SplitToSequence"(%x, %n) {axis = 1 : i64, keepdims = 0 : i64} : (tensor<3x6xf32>, none) -> !onnx.seq<tensor<*xf32>>
  %2 = "onnx.SplitToSequence"(%x, %n) {axis = 1 : i64} : (tensor<3x6xf32>, none) -> !onnx.seq<tensor<*xf32>>
  return %0, %1, %2 : !onnx.seq<tensor<*xf32>>, !onnx.seq<tensor<*xf32>>, !onnx.seq<tensor<*xf32>>
}

// -----

// Tests that SequenceInsert gives an unranked sequence the inserted tensor's rank, that
// SequenceAt returns the element type and ConcatFromSequence the concatenation's.
// CHECK-LABEL: func.func @insert_at_concat
// CHECK: "onnx.SequenceInsert"{{.*}} -> !onnx.seq<tensor<?xi64>>
// CHECK: "onnx.SequenceAt"{{.*}} -> tensor<?xi64>
// CHECK: "onnx.ConcatFromSequence"{{.*}} -> tensor<?x?xi64>
func.func @insert_at_concat(%s: !onnx.seq<tensor<*xi64>>, %t: tensor<3xi64>, %p: tensor<i64>) -> (tensor<*xi64>, tensor<*xi64>) {
  %n = onnx.NoValue
  %0 = "onnx.SequenceInsert"(%s, %t, %n) : (!onnx.seq<tensor<*xi64>>, tensor<3xi64>, none) -> !onnx.seq<tensor<*xi64>>
  %1 = "onnx.SequenceAt"(%0, %p) : (!onnx.seq<tensor<*xi64>>, tensor<i64>) -> tensor<*xi64>
  %2 = "onnx.ConcatFromSequence"(%0) {axis = 0 : i64, new_axis = 1 : i64} : (!onnx.seq<tensor<*xi64>>) -> tensor<*xi64>
  return %1, %2 : tensor<*xi64>, tensor<*xi64>
}

// -----

// Tests that SequenceConstruct joins its inputs' shapes.
// CHECK-LABEL: func.func @construct
// CHECK: "onnx.SequenceConstruct"{{.*}} -> !onnx.seq<tensor<?x4xf32>>
func.func @construct(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> !onnx.seq<tensor<*xf32>> {
  %0 = "onnx.SequenceConstruct"(%a, %b) : (tensor<2x4xf32>, tensor<3x4xf32>) -> !onnx.seq<tensor<*xf32>>
  return %0 : !onnx.seq<tensor<*xf32>>
}

// -----

// Tests that a graph input declared as a sequence of unknown rank takes the rank of the
// tensor inserted into it (a compiled sequence holds one rank), and that one nothing is
// inserted into stays unranked.
// CHECK-LABEL: func.func @input_rank_from_insert
// CHECK-SAME: (%{{.+}}: !onnx.seq<tensor<?xi64>>, %{{.+}}: tensor<3xi64>, %{{.+}}: !onnx.seq<tensor<*xf32>>)
func.func @input_rank_from_insert(%s: !onnx.seq<tensor<*xi64>>, %t: tensor<3xi64>, %u: !onnx.seq<tensor<*xf32>>) -> (!onnx.seq<tensor<*xi64>>, !onnx.seq<tensor<*xf32>>) {
  %n = onnx.NoValue
  %0 = "onnx.SequenceInsert"(%s, %t, %n) : (!onnx.seq<tensor<*xi64>>, tensor<3xi64>, none) -> !onnx.seq<tensor<*xi64>>
  return %0, %u : !onnx.seq<tensor<*xi64>>, !onnx.seq<tensor<*xf32>>
}

// -----

// Tests that a SequenceEmpty of unknown rank takes the element type of the Loop body input
// it initializes.
// CHECK-LABEL: func.func @empty_from_loop
// CHECK: "onnx.SequenceEmpty"() {{.*}} -> !onnx.seq<tensor<?xf32>>
func.func @empty_from_loop(%m: tensor<i64>, %c: tensor<i1>, %x: tensor<?xf32>) -> !onnx.seq<tensor<?xf32>> {
  %e = "onnx.SequenceEmpty"() <{dtype = 1 : i64}> : () -> !onnx.seq<tensor<*xf32>>
  %0 = "onnx.Loop"(%m, %c, %e) ({
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %s: !onnx.seq<tensor<?xf32>>):
    %n = onnx.NoValue
    %1 = "onnx.SequenceInsert"(%s, %x, %n) : (!onnx.seq<tensor<?xf32>>, tensor<?xf32>, none) -> !onnx.seq<tensor<?xf32>>
    onnx.Yield %cond, %1 : tensor<i1>, !onnx.seq<tensor<?xf32>>
  }) : (tensor<i64>, tensor<i1>, !onnx.seq<tensor<*xf32>>) -> !onnx.seq<tensor<?xf32>>
  return %0 : !onnx.seq<tensor<?xf32>>
}
