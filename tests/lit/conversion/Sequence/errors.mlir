// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s

// Tests that a sequence whose elements have no known rank is refused with the reason.
// CHECK: node 'empty' (SequenceEmpty): cannot be compiled: the rank of the sequence's elements is unknown (a compiled sequence holds tensors of one rank)
func.func @unranked() -> tensor<i64> {
  %0 = "onnx.SequenceEmpty"() {dtype = 1 : i64} : () -> !onnx.seq<tensor<*xf32>> loc("empty")
  %1 = "onnx.SequenceLength"(%0) : (!onnx.seq<tensor<*xf32>>) -> tensor<i64>
  return %1 : tensor<i64>
}

// -----

// Tests that ConcatFromSequence refuses an axis out of range for the elements' rank.
// CHECK: node 'concat' (ConcatFromSequence): cannot be compiled: axis 2 is out of range for rank 1
func.func @concat_axis(%s: !onnx.seq<tensor<?xf32>>) -> tensor<?xf32> {
  %0 = "onnx.ConcatFromSequence"(%s) {axis = 2 : i64} : (!onnx.seq<tensor<?xf32>>) -> tensor<?xf32> loc("concat")
  return %0 : tensor<?xf32>
}

// -----

// Tests that SplitToSequence refuses a 2-D split.
// CHECK: node 'split' (SplitToSequence): cannot be compiled: 'split' must be a scalar or a 1-D tensor
func.func @split_2d(%x: tensor<4xf32>, %s: tensor<1x2xi64>) -> !onnx.seq<tensor<?xf32>> {
  %0 = "onnx.SplitToSequence"(%x, %s) : (tensor<4xf32>, tensor<1x2xi64>) -> !onnx.seq<tensor<?xf32>> loc("split")
  return %0 : !onnx.seq<tensor<?xf32>>
}
