//===- TensorUtils.cpp - Building and reshaping tensors -------------------===//

#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace kiln::conversion {

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dynamicSizes);
}

Value expandShape(OpBuilder &b, Location loc, RankedTensorType resultType, Value src,
                  ArrayRef<ReassociationIndices> groups, ArrayRef<OpFoldResult> outputShape) {
  bool splitsDynamic = llvm::any_of(groups, [&](const ReassociationIndices &group) {
    return llvm::count_if(group, [&](int64_t d) { return resultType.isDynamicDim(d); }) > 1;
  });
  if (!splitsDynamic)
    return tensor::ExpandShapeOp::create(b, loc, resultType, src, groups, outputShape);
  SmallVector<Value> sizes;
  for (OpFoldResult size : outputShape)
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({resultType.getRank()}, b.getIndexType()), sizes);
  return tensor::ReshapeOp::create(b, loc, resultType, src, shape);
}

SmallVector<Value> getDynamicSizes(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, value, i));
  return sizes;
}

SmallVector<OpFoldResult> getMixedSizes(OpBuilder &b, Location loc, Value value) {
  return tensor::getMixedSizes(b, loc, value);
}

SmallVector<Value> getIndexValues(OpBuilder &b, Location loc, Value tensor, int64_t n) {
  SmallVector<Value> result;
  if (std::optional<SmallVector<int64_t>> ints = onnxir::matchConstantI64s(tensor)) {
    for (int64_t i = 0; i < n; ++i)
      result.push_back(arith::ConstantIndexOp::create(b, loc, (*ints)[i]));
    return result;
  }
  for (int64_t i = 0; i < n; ++i) {
    Value idx = arith::ConstantIndexOp::create(b, loc, i);
    Value v = tensor::ExtractOp::create(b, loc, tensor, ValueRange{idx});
    result.push_back(arith::IndexCastOp::create(b, loc, b.getIndexType(), v));
  }
  return result;
}

Value extractScalar(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> indices(type.getRank(), zero);
  return tensor::ExtractOp::create(b, loc, tensor, indices);
}

Value getDimValue(OpBuilder &b, Location loc, Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, value, dim);
}

SmallVector<Value> dynamicSizesOf(OpBuilder &b, Location loc, RankedTensorType type,
                                  ArrayRef<Value> sizes) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(sizes[i]);
  return dynamic;
}

/// Groups the dims of a tensor of rank `rank` so that each group holds exactly one dim not
/// in `unitDims` (leading unit dims join the first group, the others the group before
/// them). Empty when every dim is a unit dim (the collapsed tensor is 0-d).
static SmallVector<ReassociationIndices> unitDimReassociation(int64_t rank,
                                                              ArrayRef<int64_t> unitDims) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices current;
  bool hasKept = false;
  for (int64_t d = 0; d < rank; ++d) {
    if (!llvm::is_contained(unitDims, d)) {
      if (hasKept) {
        groups.push_back(current);
        current.clear();
      }
      hasKept = true;
    }
    current.push_back(d);
  }
  if (hasKept)
    groups.push_back(current);
  return groups;
}

Value insertUnitDims(OpBuilder &b, Location loc, Value src, ArrayRef<int64_t> unitDims,
                     RankedTensorType resultType) {
  auto srcType = cast<RankedTensorType>(src.getType());
  int64_t rank = resultType.getRank();
  // The result's kept dims take the source's static/dynamic sizes exactly, as
  // expand_shape requires.
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> outputShape;
  int64_t s = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(unitDims, d)) {
      shape.push_back(1);
      outputShape.push_back(b.getIndexAttr(1));
      continue;
    }
    shape.push_back(srcType.getDimSize(s));
    outputShape.push_back(srcType.isDynamicDim(s)
                              ? OpFoldResult(tensor::DimOp::create(b, loc, src, s))
                              : OpFoldResult(b.getIndexAttr(srcType.getDimSize(s))));
    ++s;
  }
  auto expandedType = RankedTensorType::get(shape, srcType.getElementType());
  Value expanded = tensor::ExpandShapeOp::create(b, loc, expandedType, src,
                                                 unitDimReassociation(rank, unitDims), outputShape);
  return castWithCheck(b, loc, nullptr, expanded, resultType);
}

Value dropUnitDims(OpBuilder &b, Location loc, Value src, ArrayRef<int64_t> unitDims,
                   RankedTensorType resultType) {
  auto srcType = cast<RankedTensorType>(src.getType());
  // collapse_shape needs the dropped dims to be static 1s.
  SmallVector<int64_t> shape(srcType.getShape());
  SmallVector<int64_t> kept;
  for (int64_t d = 0; d < srcType.getRank(); ++d) {
    if (llvm::is_contained(unitDims, d))
      shape[d] = 1;
    else
      kept.push_back(shape[d]);
  }
  // A dynamic dim dropped as a unit dim must be 1 at run time.
  Value source = castWithCheck(b, loc, nullptr, src,
                               RankedTensorType::get(shape, srcType.getElementType()), "the input");
  auto collapsedType = RankedTensorType::get(kept, srcType.getElementType());
  Value collapsed = tensor::CollapseShapeOp::create(
      b, loc, collapsedType, source, unitDimReassociation(srcType.getRank(), unitDims));
  return castWithCheck(b, loc, nullptr, collapsed, resultType);
}

Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

Value buildIndexGather(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ArrayRef<Value> sizes, Value source, IndexMapFn indexFn) {
  Value init = createEmpty(b, loc, resultType, dynamicSizesOf(b, loc, resultType, sizes));
  int64_t rank = resultType.getRank();
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic =
      linalg::GenericOp::create(b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
                                ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)}, iterators,
                                [&](OpBuilder &nb, Location nloc, ValueRange) {
                                  SmallVector<Value> indices;
                                  for (int64_t d = 0; d < rank; ++d)
                                    indices.push_back(linalg::IndexOp::create(nb, nloc, d));
                                  SmallVector<Value> srcIndices = indexFn(nb, nloc, indices);
                                  Value v = tensor::ExtractOp::create(nb, nloc, source, srcIndices);
                                  linalg::YieldOp::create(nb, nloc, v);
                                });
  return generic.getResult(0);
}

Value createEmptyLike(OpBuilder &b, Location loc, RankedTensorType type, Value like) {
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, like, d));
  return createEmpty(b, loc, type, dynamicSizes);
}

Value fill(OpBuilder &b, Location loc, Value init, Value value) {
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{init}).getResult(0);
}

Value buildMatrixMask(OpBuilder &b, Location loc, RankedTensorType resultType, Value input,
                      ArrayRef<Value> sizes,
                      function_ref<Value(OpBuilder &, Location, Value, Value)> keep) {
  int64_t rank = resultType.getRank();
  Type elementType = resultType.getElementType();
  Value init = createEmpty(b, loc, resultType, dynamicSizesOf(b, loc, resultType, sizes));
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (input) {
    inputs.push_back(input);
    maps.push_back(b.getMultiDimIdentityMap(rank));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value row = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                               linalg::IndexOp::create(nb, nloc, rank - 2));
        Value col = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                               linalg::IndexOp::create(nb, nloc, rank - 1));
        Value value = input ? args[0] : createScalarConstant(nb, nloc, elementType, 1);
        Value zero = createScalarConstant(nb, nloc, elementType, 0);
        Value result = arith::SelectOp::create(nb, nloc, keep(nb, nloc, row, col), value, zero);
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

SmallVector<Value> loopNest(OpBuilder &b, Location loc, ArrayRef<Value> ubs, ValueRange inits,
                            function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange,
                                                            ValueRange)>
                                body) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs(ubs.size(), zero), steps(ubs.size(), one);
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, inits,
      [&](OpBuilder &nb, Location nloc, ValueRange ivs, ValueRange iters) -> scf::ValueVector {
        SmallVector<Value> r = body(nb, nloc, ivs, iters);
        return scf::ValueVector(r.begin(), r.end());
      });
  return SmallVector<Value>(nest.results.begin(), nest.results.end());
}

void zeroOffsetsOfEmptyDims(OpBuilder &b, SmallVectorImpl<OpFoldResult> &offsets,
                            ArrayRef<OpFoldResult> sizes) {
  for (auto [offset, size] : llvm::zip(offsets, sizes))
    if (isConstantIntValue(size, 0))
      offset = b.getIndexAttr(0);
}

Value clampIdx(OpBuilder &b, Location loc, Value v, Value lo, Value hi) {
  Value r = b.createOrFold<arith::MaxSIOp>(loc, v, lo);
  return b.createOrFold<arith::MinSIOp>(loc, r, hi);
}

Value flattenAll(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() == 1)
    return x;
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get({1}, type.getElementType()),
                                         x, ArrayRef<ReassociationIndices>{},
                                         ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return tensor::CollapseShapeOp::create(b, loc, x, ArrayRef<ReassociationIndices>{all});
}

/// The data of a static f32 arith.constant, row-major.
std::optional<std::vector<float>> constantF32(Value v) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
    return std::nullopt;
  Attribute value = cst.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return std::vector<float>(dense.getValues<float>().begin(), dense.getValues<float>().end());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<float> data = blob->getDataAs<float>();
    if (static_cast<int64_t>(data.size()) != type.getNumElements())
      return std::nullopt;
    return std::vector<float>(data.begin(), data.end());
  }
  return std::nullopt;
}

} // namespace kiln::conversion
