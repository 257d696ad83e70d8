//===- ConstantPermute.cpp - Transposing onnx.Constant data ---------------===//

#include "plugins/layout/ConstantPermute.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>
#include <vector>

using namespace mlir;

namespace kiln::layout {

/// Above this many elements a new constant is a resource blob, as the importer stores
/// initializers; below it the data is inline (readable in lit tests).
static constexpr int64_t kMaxInlineElements = 64;

static int64_t byteWidth(ShapedType type) {
  Type element = type.getElementType();
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return 0;
  return element.getIntOrFloatBitWidth() / 8;
}

ElementsAttr getConstantValue(Value v) {
  auto op = v.getDefiningOp<onnxir::ConstantOp>();
  if (!op)
    return {};
  ElementsAttr value = op.getValueAttr();
  if (!value || byteWidth(value.getShapedType()) == 0)
    return {};
  if (isa<DenseElementsAttr>(value))
    return value;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    int64_t bytes = value.getShapedType().getNumElements() * byteWidth(value.getShapedType());
    if (blob && static_cast<int64_t>(blob->getData().size()) == bytes)
      return value;
  }
  return {};
}

SmallVector<int64_t> permuteShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> result;
  for (int64_t p : perm)
    result.push_back(shape[p]);
  return result;
}

SmallVector<int64_t> invertPermutation(ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = i;
  return inverse;
}

Value createPermutedConstant(OpBuilder &b, Location loc, ElementsAttr value,
                             ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  ShapedType srcType = value.getShapedType();
  int64_t width = byteWidth(srcType), count = srcType.getNumElements();
  auto type = RankedTensorType::get(permuteShape(shape, perm), srcType.getElementType());
  if (width == 0 || type.getNumElements() != count)
    return {};
  ElementsAttr result;
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (dense && dense.isSplat()) {
    result = DenseElementsAttr::get(type, dense.getSplatValue<Attribute>());
  } else {
    ArrayRef<char> src;
    if (dense)
      src = dense.getRawData();
    else if (AsmResourceBlob *blob =
                 cast<DenseResourceElementsAttr>(value).getRawHandle().getBlob())
      src = blob->getData();
    if (static_cast<int64_t>(src.size()) != count * width)
      return {};
    // Row-major strides of the source view; walk the result in order, carrying its
    // multi-index, and read the source element at the permuted index.
    int64_t rank = shape.size();
    SmallVector<int64_t> srcStrides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      srcStrides[d] = srcStrides[d + 1] * shape[d + 1];
    SmallVector<int64_t> outShape(type.getShape()), index(rank, 0);
    std::vector<char> dst(count * width);
    for (int64_t i = 0; i < count; ++i) {
      int64_t offset = 0;
      for (int64_t d = 0; d < rank; ++d)
        offset += index[d] * srcStrides[perm[d]];
      std::memcpy(&dst[i * width], &src[offset * width], width);
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++index[d] < outShape[d])
          break;
        index[d] = 0;
      }
    }
    if (count <= kMaxInlineElements) {
      result = DenseElementsAttr::getFromRawBuffer(type, dst);
    } else {
      AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(dst, /*align=*/64);
      result = DenseResourceElementsAttr::get(type, "kiln_layout", std::move(blob));
    }
  }
  return onnxir::ConstantOp::create(b, loc, TypeRange{type}, ValueRange{},
                                    ArrayRef<NamedAttribute>{b.getNamedAttr("value", result)})
      .getResult();
}

} // namespace kiln::layout
