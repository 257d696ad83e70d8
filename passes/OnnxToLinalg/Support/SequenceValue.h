//===- SequenceValue.h - ONNX sequences as packed tensors -------*- C++ -*-===//
//
// An ONNX sequence of tensors with one element type and one rank R (element shapes may
// differ) is lowered to two tensors (a 1:N type conversion, OnnxTypeConverter):
//
//   data   : tensor<?xT>      every element's values, row-major, one after the other
//   shapes : tensor<?xRxi64>  row k holds the dims of element k (its count = the length)
//
// Element k starts at the sum of the sizes of elements 0..k-1 (computed when needed, in
// O(k * R) scalar work). A rank-0 element takes one value and a row of zero columns.
// Inserting or erasing copies the data (a sequence is a value: the input stays intact).
// The same pair crosses the model boundary (model_abi.h, KILN_MODEL_VALUE_SEQUENCE_*).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_SEQUENCEVALUE_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_SEQUENCEVALUE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {

/// A lowered sequence value.
struct PackedSequence {
  mlir::Value data;   ///< tensor<?xT>
  mlir::Value shapes; ///< tensor<?xRxi64>
};

/// The converted element type of a `!onnx.seq<tensor<...>>` (signless element type), or
/// null when `type` is not a sequence of ranked tensors.
mlir::RankedTensorType getSequenceElementType(const mlir::TypeConverter &converter,
                                              mlir::Type type);

/// The two lowered types of a sequence of `element`s: {tensor<?xT>, tensor<?xRxi64>}.
llvm::SmallVector<mlir::Type, 2> getPackedSequenceTypes(mlir::RankedTensorType element);

/// The pair from the values the conversion hands a pattern for a sequence operand.
PackedSequence unpackOperand(mlir::ValueRange converted);

/// The number of elements (index).
mlir::Value sequenceLength(mlir::OpBuilder &b, mlir::Location loc, const PackedSequence &seq);

/// The number of values of element `k` (index): the product of its row of `shapes`.
mlir::Value elementNumel(mlir::OpBuilder &b, mlir::Location loc, mlir::Value shapes, mlir::Value k);

/// Where element `k` starts in the data (index): the sum of the sizes before it.
mlir::Value elementOffset(mlir::OpBuilder &b, mlir::Location loc, mlir::Value shapes,
                          mlir::Value k);

/// Element `k` as a tensor of type `element` (its dims read from the shape table). A
/// static dim of `element` is checked against the table at run time (a model's sequence
/// input carries no static dims), failing for `node`.
mlir::Value extractElement(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                           const PackedSequence &seq, mlir::Value k,
                           mlir::RankedTensorType element);

/// The row of the shape table for `tensor` (tensor<1xRxi64>).
mlir::Value shapeRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);

/// Concatenates 1-D tensors (of one element type) along dimension 0.
mlir::Value concat1D(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<mlir::Value> parts);

/// Concatenates [n, R] tables along dimension 0.
mlir::Value concatRows(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<mlir::Value> parts);

/// The sequence of `tensors` (all of one element type and rank).
PackedSequence packTensors(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange tensors,
                           mlir::RankedTensorType element);

/// `seq` with `tensor` inserted before position `pos` (index, 0 <= pos <= length).
PackedSequence insertElement(mlir::OpBuilder &b, mlir::Location loc, const PackedSequence &seq,
                             mlir::Value pos, mlir::Value tensor);

/// `seq` without element `pos` (index, 0 <= pos < length).
PackedSequence eraseElement(mlir::OpBuilder &b, mlir::Location loc, const PackedSequence &seq,
                            mlir::Value pos);

/// Converts the ONNX position tensor (scalar i32/i64) to an index in [0, length) (or
/// [0, length] when `allowEnd`), counting a negative one from the end, with a run-time
/// check (KILN_MODEL_ERROR_INDEX) that it is in range; without `allowEnd` also a shape
/// check that the sequence is not empty. The index is clamped to 0 when out of range, so
/// that the shape function (which keeps only shape checks) never reads out of bounds.
mlir::Value sequencePosition(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *op,
                             mlir::Value position, mlir::Value length, bool allowEnd);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_SEQUENCEVALUE_H
