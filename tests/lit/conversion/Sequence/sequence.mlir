// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that a sequence argument and result become the packed data and the shape table,
// and that SequenceConstruct concatenates the flattened inputs and their dims as rows.
// CHECK-LABEL: func.func @construct
// CHECK-SAME: ([[A:%.+]]: tensor<2x3xf32>, [[B:%.+]]: tensor<?x3xf32>) -> (tensor<?xf32>, tensor<?x2xi64>)
// CHECK-DAG: tensor.collapse_shape [[A]] {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK-DAG: tensor.collapse_shape [[B]] {{\[}}[0, 1]] : tensor<?x3xf32> into tensor<?xf32>
// CHECK: tensor.from_elements {{.*}} : tensor<1x2xi64>
// CHECK: [[DATA:%.+]] = tensor.insert_slice {{.*}} : tensor<?xf32> into tensor<?xf32>
// CHECK: tensor.insert_slice {{.*}} : tensor<1x2xi64> into tensor<?x2xi64>
// CHECK: [[SHAPES:%.+]] = tensor.insert_slice {{.*}} : tensor<1x2xi64> into tensor<?x2xi64>
// CHECK: return [[DATA]], [[SHAPES]] : tensor<?xf32>, tensor<?x2xi64>
func.func @construct(%a: tensor<2x3xf32>, %b: tensor<?x3xf32>) -> !onnx.seq<tensor<?x3xf32>> {
  %0 = "onnx.SequenceConstruct"(%a, %b) : (tensor<2x3xf32>, tensor<?x3xf32>) -> !onnx.seq<tensor<?x3xf32>>
  return %0 : !onnx.seq<tensor<?x3xf32>>
}

// -----

// Tests that SequenceAt normalizes a negative position, checks it against the length at
// run time, and slices the element at the sum of the sizes before it.
// CHECK-LABEL: func.func @at
// CHECK-SAME: ([[DATA:%.+]]: tensor<?xf32>, [[SHAPES:%.+]]: tensor<?x1xi64>, [[P:%.+]]: tensor<i64>)
// CHECK: [[N:%.+]] = tensor.dim [[SHAPES]], %c0
// CHECK: arith.select
// CHECK: kiln.check {{.*}} {code = 4 : i32, message = "node 'at' (SequenceAt): position {} is out of range for a sequence of length {}"}
// CHECK: [[OFF:%.+]] = scf.for
// CHECK: tensor.extract_slice [[DATA]]{{\[}}[[OFF]]]
func.func @at(%s: !onnx.seq<tensor<?xf32>>, %p: tensor<i64>) -> tensor<?xf32> {
  %0 = "onnx.SequenceAt"(%s, %p) : (!onnx.seq<tensor<?xf32>>, tensor<i64>) -> tensor<?xf32> loc("at")
  return %0 : tensor<?xf32>
}

// -----

// Tests that SequenceAt of a rank-2 element reshapes the slice by its row of the table
// and checks a static dim.
// CHECK-LABEL: func.func @at_rank2
// CHECK: kiln.check {{.*}}dim 1 of a sequence element is {}, the model expects {}
// CHECK: tensor.reshape {{.*}} : (tensor<?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK: tensor.cast {{.*}} : tensor<?x?xf32> to tensor<?x4xf32>
func.func @at_rank2(%s: !onnx.seq<tensor<?x4xf32>>, %p: tensor<i32>) -> tensor<?x4xf32> {
  %0 = "onnx.SequenceAt"(%s, %p) : (!onnx.seq<tensor<?x4xf32>>, tensor<i32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Tests that SequenceLength is the row count of the shape table.
// CHECK-LABEL: func.func @length
// CHECK-SAME: ({{%.+}}: tensor<?xf32>, [[SHAPES:%.+]]: tensor<?x1xi64>)
// CHECK: [[N:%.+]] = tensor.dim [[SHAPES]], %c0
// CHECK: [[N64:%.+]] = arith.index_cast [[N]] : index to i64
// CHECK: tensor.from_elements [[N64]] : tensor<i64>
func.func @length(%s: !onnx.seq<tensor<?xf32>>) -> tensor<i64> {
  %0 = "onnx.SequenceLength"(%s) : (!onnx.seq<tensor<?xf32>>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// Tests that SequenceInsert without a position appends: the data and the table are each
// three slices around the end (the last two empty).
// CHECK-LABEL: func.func @insert_back
// CHECK-SAME: ([[DATA:%.+]]: tensor<?xi64>, [[SHAPES:%.+]]: tensor<?x1xi64>, [[T:%.+]]: tensor<3xi64>)
// CHECK-NOT: kiln.check
// CHECK: [[FLAT:%.+]] = tensor.cast [[T]] : tensor<3xi64> to tensor<?xi64>
// CHECK: tensor.insert_slice [[FLAT]] into {{.*}} : tensor<?xi64> into tensor<?xi64>
// CHECK: tensor.insert_slice {{.*}} : tensor<1x1xi64> into tensor<?x1xi64>
func.func @insert_back(%s: !onnx.seq<tensor<?xi64>>, %t: tensor<3xi64>) -> !onnx.seq<tensor<?xi64>> {
  %n = onnx.NoValue
  %0 = "onnx.SequenceInsert"(%s, %t, %n) : (!onnx.seq<tensor<?xi64>>, tensor<3xi64>, none) -> !onnx.seq<tensor<?xi64>>
  return %0 : !onnx.seq<tensor<?xi64>>
}

// -----

// Tests that SequenceErase with a position checks it (length excluded) and that without
// one it erases the last element (position -1, checked: an empty sequence has none).
// CHECK-LABEL: func.func @erase
// CHECK: kiln.check {{.*}}message = "node 'e1' (SequenceErase): position {} is out of range for a sequence of length {}"
// CHECK: kiln.check {{.*}}message = "node 'e2' (SequenceErase): position {} is out of range for a sequence of length {}"
func.func @erase(%s: !onnx.seq<tensor<?xf32>>, %p: tensor<i64>) -> !onnx.seq<tensor<?xf32>> {
  %n = onnx.NoValue
  %0 = "onnx.SequenceErase"(%s, %p) : (!onnx.seq<tensor<?xf32>>, tensor<i64>) -> !onnx.seq<tensor<?xf32>> loc("e1")
  %1 = "onnx.SequenceErase"(%0, %n) : (!onnx.seq<tensor<?xf32>>, none) -> !onnx.seq<tensor<?xf32>> loc("e2")
  return %1 : !onnx.seq<tensor<?xf32>>
}

// -----

// Tests that SplitToSequence with a scalar split checks it is positive, counts ceil(A / s)
// chunks and copies each into the data in one scf.for that also fills the table.
// CHECK-LABEL: func.func @split_scalar
// CHECK: kiln.check {{.*}}split size {} must be positive
// CHECK: arith.ceildivsi
// CHECK: scf.for {{.*}} -> (tensor<?xf32>, tensor<?x2xi64>, index)
// CHECK: arith.minsi
// CHECK: linalg.copy
// CHECK: tensor.insert {{.*}} : tensor<?x2xi64>
func.func @split_scalar(%x: tensor<3x6xf32>, %s: tensor<i64>) -> !onnx.seq<tensor<3x?xf32>> {
  %0 = "onnx.SplitToSequence"(%x, %s) {axis = 1 : i64} : (tensor<3x6xf32>, tensor<i64>) -> !onnx.seq<tensor<3x?xf32>>
  return %0 : !onnx.seq<tensor<3x?xf32>>
}

// -----

// Tests that SplitToSequence with sizes checks they add up to the axis.
// CHECK-LABEL: func.func @split_sizes
// CHECK: kiln.check {{.*}}the split sizes add up to {}, not to the axis size {}
func.func @split_sizes(%x: tensor<?x6xf32>, %s: tensor<2xi64>) -> !onnx.seq<tensor<?x6xf32>> {
  %0 = "onnx.SplitToSequence"(%x, %s) : (tensor<?x6xf32>, tensor<2xi64>) -> !onnx.seq<tensor<?x6xf32>>
  return %0 : !onnx.seq<tensor<?x6xf32>>
}

// -----

// Tests that ConcatFromSequence with new_axis checks the sequence is not empty and its
// elements agree, then inserts each element with a unit dim at the axis.
// CHECK-LABEL: func.func @concat_new_axis
// CHECK: kiln.check {{.*}}the sequence is empty
// CHECK: kiln.check {{.*}}elements differ in a dimension other than the axis
// CHECK: scf.for {{.*}} -> (tensor<?x?xf32>, index)
// CHECK: tensor.insert_slice {{.*}} [1, 1] : tensor<?xf32> into tensor<?x?xf32>
func.func @concat_new_axis(%s: !onnx.seq<tensor<?xf32>>) -> tensor<?x?xf32> {
  %0 = "onnx.ConcatFromSequence"(%s) {axis = 0 : i64, new_axis = 1 : i64} : (!onnx.seq<tensor<?xf32>>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that SequenceMap becomes an scf.while over the elements whose carried output
// sequence grows by the body's result, and that a second sequence input's length is
// checked.
// CHECK-LABEL: func.func @map
// CHECK: kiln.check {{.*}}the sequence inputs have lengths {} and {}
// CHECK: scf.while {{.*}} : (index, tensor<?xf32>, tensor<?x1xi64>) -> (index, tensor<?xf32>, tensor<?x1xi64>)
// CHECK: linalg.generic
// CHECK: scf.yield
func.func @map(%a: !onnx.seq<tensor<?xf32>>, %b: !onnx.seq<tensor<?xf32>>) -> !onnx.seq<tensor<?xf32>> {
  %0 = "onnx.SequenceMap"(%a, %b) ({
  ^bb0(%x: tensor<?xf32>, %y: tensor<?xf32>):
    %1 = "onnx.Add"(%x, %y) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    onnx.Yield %1 : tensor<?xf32>
  }) : (!onnx.seq<tensor<?xf32>>, !onnx.seq<tensor<?xf32>>) -> !onnx.seq<tensor<?xf32>>
  return %0 : !onnx.seq<tensor<?xf32>>
}

// -----

// Tests that an If yielding sequences gives an scf.if with two results per sequence.
// CHECK-LABEL: func.func @if_seq
// CHECK-SAME: ([[C:%.+]]: tensor<i1>, [[D0:%.+]]: tensor<?xf32>, [[S0:%.+]]: tensor<?x1xi64>, [[D1:%.+]]: tensor<?xf32>, [[S1:%.+]]: tensor<?x1xi64>)
// CHECK: scf.if {{.*}} -> (tensor<?xf32>, tensor<?x1xi64>)
// CHECK: scf.yield [[D0]], [[S0]]
// CHECK: scf.yield [[D1]], [[S1]]
func.func @if_seq(%c: tensor<i1>, %s: !onnx.seq<tensor<?xf32>>, %t: !onnx.seq<tensor<?xf32>>) -> !onnx.seq<tensor<?xf32>> {
  %0 = "onnx.If"(%c) ({
    onnx.Yield %s : !onnx.seq<tensor<?xf32>>
  }, {
    onnx.Yield %t : !onnx.seq<tensor<?xf32>>
  }) : (tensor<i1>) -> !onnx.seq<tensor<?xf32>>
  return %0 : !onnx.seq<tensor<?xf32>>
}

// -----

// Tests that a Loop carrying a sequence carries its two tensors in the scf.while, the body
// seeing them as the sequence (SequenceInsert appends to the carried pair).
// CHECK-LABEL: func.func @loop_carried
// CHECK: scf.while {{.*}} : (i64, i1, tensor<?xf32>, tensor<?x1xi64>) -> (i64, i1, tensor<?xf32>, tensor<?x1xi64>)
// CHECK: tensor.insert_slice {{.*}} : tensor<1x1xi64> into tensor<?x1xi64>
// CHECK: scf.yield {{.*}} : i64, i1, tensor<?xf32>, tensor<?x1xi64>
// CHECK-NOT: kiln.loop_scan_outputs
func.func @loop_carried(%m: tensor<i64>, %x: tensor<?xf32>) -> !onnx.seq<tensor<?xf32>> {
  %c = "onnx.Constant"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
  %e = "onnx.SequenceEmpty"() <{dtype = 1 : i64}> : () -> !onnx.seq<tensor<?xf32>>
  %0 = "onnx.Loop"(%m, %c, %e) ({
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %s: !onnx.seq<tensor<?xf32>>):
    %n = onnx.NoValue
    %1 = "onnx.SequenceInsert"(%s, %x, %n) : (!onnx.seq<tensor<?xf32>>, tensor<?xf32>, none) -> !onnx.seq<tensor<?xf32>>
    onnx.Yield %cond, %1 : tensor<i1>, !onnx.seq<tensor<?xf32>>
  }) : (tensor<i64>, tensor<i1>, !onnx.seq<tensor<?xf32>>) -> !onnx.seq<tensor<?xf32>>
  return %0 : !onnx.seq<tensor<?xf32>>
}
