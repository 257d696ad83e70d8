//===- SequenceValue.cpp - ONNX sequences as packed tensors ---------------===//

#include "passes/OnnxToLinalg/Support/SequenceValue.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {

RankedTensorType getSequenceElementType(const TypeConverter &converter, Type type) {
  auto seq = dyn_cast<onnxir::SeqType>(type);
  if (!seq)
    return {};
  auto element = dyn_cast<RankedTensorType>(seq.getElementType());
  if (!element)
    return {};
  return dyn_cast_or_null<RankedTensorType>(converter.convertType(element));
}

SmallVector<Type, 2> getPackedSequenceTypes(RankedTensorType element) {
  MLIRContext *ctx = element.getContext();
  return {
      RankedTensorType::get({ShapedType::kDynamic}, element.getElementType()),
      RankedTensorType::get({ShapedType::kDynamic, element.getRank()}, IntegerType::get(ctx, 64))};
}

PackedSequence unpackOperand(ValueRange converted) {
  assert(converted.size() == 2 && "a sequence lowers to two tensors");
  return {converted[0], converted[1]};
}

Value sequenceLength(OpBuilder &b, Location loc, const PackedSequence &seq) {
  return tensor::DimOp::create(b, loc, seq.shapes, 0);
}

/// Entry (k, d) of the shape table, as an index.
static Value dimAt(OpBuilder &b, Location loc, Value shapes, Value k, int64_t d) {
  Value dIdx = arith::ConstantIndexOp::create(b, loc, d);
  Value v = tensor::ExtractOp::create(b, loc, shapes, ValueRange{k, dIdx});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

static int64_t rankOf(Value shapes) {
  return cast<RankedTensorType>(shapes.getType()).getDimSize(1);
}

Value elementNumel(OpBuilder &b, Location loc, Value shapes, Value k) {
  Value n = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0, r = rankOf(shapes); d < r; ++d)
    n = arith::MulIOp::create(b, loc, n, dimAt(b, loc, shapes, k, d));
  return n;
}

Value elementOffset(OpBuilder &b, Location loc, Value shapes, Value k) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(b, loc, zero, k, one, ValueRange{zero},
                                 [&](OpBuilder &nb, Location nloc, Value j, ValueRange acc) {
                                   Value sum = arith::AddIOp::create(
                                       nb, nloc, acc[0], elementNumel(nb, nloc, shapes, j));
                                   scf::YieldOp::create(nb, nloc, sum);
                                 });
  return loop.getResult(0);
}

Value extractElement(OpBuilder &b, Location loc, Operation *node, const PackedSequence &seq,
                     Value k, RankedTensorType element) {
  Value offset = elementOffset(b, loc, seq.shapes, k);
  Type elemType = element.getElementType();
  if (element.getRank() == 0) {
    Value one = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({1}, elemType), seq.data, ArrayRef<OpFoldResult>{offset},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    return tensor::CollapseShapeOp::create(b, loc, element, one, ArrayRef<ReassociationIndices>{});
  }
  Value numel = elementNumel(b, loc, seq.shapes, k);
  Value flat = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({ShapedType::kDynamic}, elemType), seq.data,
      ArrayRef<OpFoldResult>{offset}, ArrayRef<OpFoldResult>{numel},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  for (int64_t d = 0; d < element.getRank(); ++d)
    if (!element.isDynamicDim(d))
      checkSizesEqual(b, loc, node, dimAt(b, loc, seq.shapes, k, d),
                      b.getIndexAttr(element.getDimSize(d)),
                      "dim " + Twine(d) + " of a sequence element is {}, the model expects {}");
  if (element.getRank() == 1)
    return castTo(b, loc, flat, element);
  // tensor.reshape by the element's row of the table, not tensor.expand_shape: MLIR 22's
  // expand-strided-metadata crashes on an expand_shape with several dynamic dims in one
  // group.
  Value row = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({1, element.getRank()}, b.getI64Type()), seq.shapes,
      ArrayRef<OpFoldResult>{k, b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(element.getRank())},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  Value shape = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({element.getRank()}, b.getI64Type()), row,
      ArrayRef<ReassociationIndices>{{0, 1}});
  auto dynamic = RankedTensorType::get(
      SmallVector<int64_t>(element.getRank(), ShapedType::kDynamic), element.getElementType());
  Value reshaped = tensor::ReshapeOp::create(b, loc, dynamic, flat, shape);
  return castTo(b, loc, reshaped, element);
}

Value shapeRow(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> dims;
  for (int64_t d = 0; d < type.getRank(); ++d)
    dims.push_back(
        arith::IndexCastOp::create(b, loc, b.getI64Type(), getDimValue(b, loc, tensor, d)));
  auto rowType = RankedTensorType::get({1, type.getRank()}, b.getI64Type());
  if (dims.empty())
    return tensor::EmptyOp::create(b, loc, rowType.getShape(), b.getI64Type());
  return tensor::FromElementsOp::create(b, loc, rowType, dims);
}

/// Concatenates along dimension 0 into a tensor whose dim 0 is dynamic.
static Value concatDim0(OpBuilder &b, Location loc, ArrayRef<Value> parts) {
  auto first = cast<RankedTensorType>(parts.front().getType());
  SmallVector<int64_t> shape(first.getShape());
  shape[0] = ShapedType::kDynamic;
  auto resultType = RankedTensorType::get(shape, first.getElementType());
  Value total = arith::ConstantIndexOp::create(b, loc, 0);
  for (Value p : parts)
    total = arith::AddIOp::create(b, loc, total, getDimValue(b, loc, p, 0));
  SmallVector<OpFoldResult> sizes{total};
  for (int64_t d = 1; d < first.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(first.getDimSize(d)));
  Value result = tensor::EmptyOp::create(b, loc, sizes, first.getElementType());
  Value offset = arith::ConstantIndexOp::create(b, loc, 0);
  for (Value p : parts) {
    SmallVector<OpFoldResult> offsets(first.getRank(), b.getIndexAttr(0));
    offsets[0] = offset;
    SmallVector<OpFoldResult> partSizes = getMixedSizes(b, loc, p);
    SmallVector<OpFoldResult> strides(first.getRank(), b.getIndexAttr(1));
    result = tensor::InsertSliceOp::create(b, loc, p, result, offsets, partSizes, strides);
    offset = arith::AddIOp::create(b, loc, offset, getDimValue(b, loc, p, 0));
  }
  return castTo(b, loc, result, resultType);
}

Value concat1D(OpBuilder &b, Location loc, ArrayRef<Value> parts) {
  return concatDim0(b, loc, parts);
}

Value concatRows(OpBuilder &b, Location loc, ArrayRef<Value> parts) {
  return concatDim0(b, loc, parts);
}

PackedSequence packTensors(OpBuilder &b, Location loc, ValueRange tensors,
                           RankedTensorType element) {
  SmallVector<Type, 2> types = getPackedSequenceTypes(element);
  if (tensors.empty()) {
    Value data = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{0}, element.getElementType());
    Value shapes =
        tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{0, element.getRank()}, b.getI64Type());
    return {castTo(b, loc, data, types[0]), castTo(b, loc, shapes, types[1])};
  }
  SmallVector<Value> flats, rows;
  for (Value t : tensors) {
    flats.push_back(flattenAll(b, loc, t));
    rows.push_back(shapeRow(b, loc, t));
  }
  return {concat1D(b, loc, flats), concatRows(b, loc, rows)};
}

/// The slice [begin, end) of dimension 0 of `t`.
static Value slice0(OpBuilder &b, Location loc, Value t, Value begin, Value end) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = getMixedSizes(b, loc, t);
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  offsets[0] = begin;
  sizes[0] = arith::SubIOp::create(b, loc, end, begin).getResult();
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = ShapedType::kDynamic;
  return tensor::ExtractSliceOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()),
                                        t, offsets, sizes, strides);
}

PackedSequence insertElement(OpBuilder &b, Location loc, const PackedSequence &seq, Value pos,
                             Value tensor) {
  Value offset = elementOffset(b, loc, seq.shapes, pos);
  Value total = getDimValue(b, loc, seq.data, 0);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value count = sequenceLength(b, loc, seq);
  Value flat = castTo(b, loc, flattenAll(b, loc, tensor), seq.data.getType());
  Value row = shapeRow(b, loc, tensor);
  Value data = concat1D(
      b, loc,
      {slice0(b, loc, seq.data, zero, offset), flat, slice0(b, loc, seq.data, offset, total)});
  Value shapes = concatRows(
      b, loc,
      {slice0(b, loc, seq.shapes, zero, pos),
       castTo(b, loc, row, RankedTensorType::get({1, rankOf(seq.shapes)}, b.getI64Type())),
       slice0(b, loc, seq.shapes, pos, count)});
  return {data, castTo(b, loc, shapes, seq.shapes.getType())};
}

PackedSequence eraseElement(OpBuilder &b, Location loc, const PackedSequence &seq, Value pos) {
  Value offset = elementOffset(b, loc, seq.shapes, pos);
  Value end = arith::AddIOp::create(b, loc, offset, elementNumel(b, loc, seq.shapes, pos));
  Value total = getDimValue(b, loc, seq.data, 0);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value count = sequenceLength(b, loc, seq);
  Value next = arith::AddIOp::create(b, loc, pos, one);
  Value data = concat1D(
      b, loc, {slice0(b, loc, seq.data, zero, offset), slice0(b, loc, seq.data, end, total)});
  Value shapes = concatRows(
      b, loc, {slice0(b, loc, seq.shapes, zero, pos), slice0(b, loc, seq.shapes, next, count)});
  return {data, castTo(b, loc, shapes, seq.shapes.getType())};
}

Value sequencePosition(OpBuilder &b, Location loc, Operation *op, Value position, Value length,
                       bool allowEnd) {
  Value raw = extractScalar(b, loc, position);
  Value p64 = raw.getType().isInteger(64)
                  ? raw
                  : arith::ExtSIOp::create(b, loc, b.getI64Type(), raw).getResult();
  Value len64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), length);
  Value zero = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, p64, zero);
  Value normalized =
      arith::SelectOp::create(b, loc, neg, arith::AddIOp::create(b, loc, p64, len64), p64);
  Value geZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, normalized, zero);
  Value belowEnd = arith::CmpIOp::create(
      b, loc, allowEnd ? arith::CmpIPredicate::sle : arith::CmpIPredicate::slt, normalized, len64);
  Value ok = arith::AndIOp::create(b, loc, geZero, belowEnd);
  if (!allowEnd) {
    // A shape check on the length alone, which the shape function keeps (it drops index
    // checks): with it and the clamp below, no read of the table is out of bounds there.
    emitCheck(b, op, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, len64, zero), p64,
              len64, kilnir::kCheckShape,
              "position {} of an empty sequence (length {}): it has no elements");
  }
  emitCheck(b, op, ok, p64, len64, kilnir::kCheckIndex,
            allowEnd ? "position {} is out of range for a sequence of length {} (insert)"
                     : "position {} is out of range for a sequence of length {}");
  Value safe = arith::SelectOp::create(b, loc, ok, normalized, zero);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), safe);
}

} // namespace kiln::conversion
