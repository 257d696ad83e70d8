//===- Literal.cpp - Reading and writing constant tensors -------------------===//

#include "passes/Folding/Literal.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"

#include <cstring>

using namespace mlir;

namespace kiln::folding {

/// Constants up to this many elements stay inline (as the importer does).
constexpr int64_t kMaxInlineElements = 16;

int64_t Literal::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Literal Literal::zeros(ArrayRef<int64_t> shape, Type elementType) {
  Literal lit;
  lit.shape.assign(shape.begin(), shape.end());
  lit.elementType = elementType;
  if (lit.isFloat())
    lit.floats.assign(lit.numElements(), 0.0);
  else
    lit.ints.assign(lit.numElements(), 0);
  return lit;
}

bool isSupportedElementType(Type type) {
  if (type.isF16() || type.isBF16() || type.isF32() || type.isF64())
    return true;
  auto intType = dyn_cast<IntegerType>(type);
  return intType && (intType.getWidth() == 1 || intType.getWidth() == 8 ||
                     intType.getWidth() == 16 || intType.getWidth() == 32 ||
                     intType.getWidth() == 64);
}

static const llvm::fltSemantics &semanticsOf(Type type) {
  return cast<FloatType>(type).getFloatSemantics();
}

double roundToFloatType(double v, Type type) {
  if (type.isF64())
    return v;
  if (type.isF32())
    return static_cast<double>(static_cast<float>(v));
  llvm::APFloat f(v);
  bool lost;
  f.convert(semanticsOf(type), llvm::APFloat::rmNearestTiesToEven, &lost);
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

int64_t wrapToIntType(int64_t v, Type type) {
  auto intType = cast<IntegerType>(type);
  unsigned width = intType.getWidth();
  if (width == 1)
    return v != 0;
  if (width == 64)
    return v;
  llvm::APInt bits(64, static_cast<uint64_t>(v), /*isSigned=*/true);
  bits = bits.trunc(width);
  return intType.isUnsigned() ? static_cast<int64_t>(bits.getZExtValue()) : bits.getSExtValue();
}

/// Fills `lit` from little-endian raw bytes (a resource blob).
static bool readRaw(ArrayRef<char> raw, Literal &lit) {
  Type type = lit.elementType;
  int64_t n = lit.numElements();
  unsigned bytes = type.getIntOrFloatBitWidth() / 8;
  if (type.isInteger(1) || static_cast<int64_t>(raw.size()) != n * bytes)
    return false;
  const char *p = raw.data();
  if (lit.isFloat()) {
    lit.floats.resize(n);
    for (int64_t i = 0; i < n; ++i, p += bytes) {
      if (type.isF32()) {
        float f;
        std::memcpy(&f, p, 4);
        lit.floats[i] = f;
      } else if (type.isF64()) {
        std::memcpy(&lit.floats[i], p, 8);
      } else {
        uint16_t h;
        std::memcpy(&h, p, 2);
        llvm::APFloat f(semanticsOf(type), llvm::APInt(16, h));
        bool lost;
        f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
        lit.floats[i] = f.convertToDouble();
      }
    }
    return true;
  }
  lit.ints.resize(n);
  for (int64_t i = 0; i < n; ++i, p += bytes) {
    uint64_t v = 0;
    std::memcpy(&v, p, bytes);
    lit.ints[i] = wrapToIntType(static_cast<int64_t>(v), type);
  }
  return true;
}

/// Sign- or zero-extends an element of an integer attribute as its type says.
static int64_t extend(const llvm::APInt &v, Type type) {
  auto intType = cast<IntegerType>(type);
  if (intType.getWidth() == 1 || intType.isUnsigned())
    return static_cast<int64_t>(v.getZExtValue());
  return v.getSExtValue();
}

static std::optional<Literal> readElements(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.hasStaticShape() || !isSupportedElementType(type.getElementType()))
    return std::nullopt;
  Literal lit;
  lit.shape.assign(type.getShape().begin(), type.getShape().end());
  lit.elementType = type.getElementType();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (lit.isFloat()) {
      for (llvm::APFloat f : dense.getValues<llvm::APFloat>()) {
        bool lost;
        f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
        lit.floats.push_back(f.convertToDouble());
      }
    } else {
      for (const llvm::APInt &v : dense.getValues<llvm::APInt>())
        lit.ints.push_back(extend(v, lit.elementType));
    }
    return lit;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || !readRaw(blob->getData(), lit))
      return std::nullopt;
    return lit;
  }
  return std::nullopt;
}

std::optional<Literal> readConstant(Value v) {
  auto op = v.getDefiningOp<onnxir::ConstantOp>();
  if (!op)
    return std::nullopt;
  if (ElementsAttr value = op.getValueAttr())
    return readElements(value);
  MLIRContext *ctx = op.getContext();
  Literal lit;
  if (FloatAttr f = op.getValueFloatAttr()) {
    lit.elementType = Float32Type::get(ctx);
    lit.floats = {f.getValueAsDouble()};
  } else if (IntegerAttr i = op.getValueIntAttr()) {
    lit.elementType = IntegerType::get(ctx, 64);
    lit.ints = {i.getInt()};
  } else if (auto fs = op.getValueFloatsAttr()) {
    lit.elementType = Float32Type::get(ctx);
    lit.shape = {static_cast<int64_t>(fs.size())};
    for (float f : fs.asArrayRef())
      lit.floats.push_back(f);
  } else if (auto is = op.getValueIntsAttr()) {
    lit.elementType = IntegerType::get(ctx, 64);
    lit.shape = {static_cast<int64_t>(is.size())};
    lit.ints.assign(is.asArrayRef().begin(), is.asArrayRef().end());
  } else {
    return std::nullopt;
  }
  return lit;
}

bool isConstant(Value v) {
  auto op = v.getDefiningOp<onnxir::ConstantOp>();
  if (!op)
    return false;
  if (ElementsAttr value = op.getValueAttr()) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    return type && type.hasStaticShape() && isSupportedElementType(type.getElementType()) &&
           (isa<DenseElementsAttr>(value) || isa<DenseResourceElementsAttr>(value));
  }
  return op.getValueFloatAttr() || op.getValueIntAttr() || op.getValueFloatsAttr() ||
         op.getValueIntsAttr();
}

/// The little-endian bytes of `lit`'s elements.
static std::vector<char> toRaw(const Literal &lit) {
  Type type = lit.elementType;
  unsigned bytes = type.getIntOrFloatBitWidth() / 8;
  int64_t n = lit.numElements();
  std::vector<char> raw(n * bytes);
  char *p = raw.data();
  for (int64_t i = 0; i < n; ++i, p += bytes) {
    if (type.isF32()) {
      float f = static_cast<float>(lit.floats[i]);
      std::memcpy(p, &f, 4);
    } else if (type.isF64()) {
      std::memcpy(p, &lit.floats[i], 8);
    } else if (lit.isFloat()) {
      llvm::APFloat f(lit.floats[i]);
      bool lost;
      f.convert(semanticsOf(type), llvm::APFloat::rmNearestTiesToEven, &lost);
      uint16_t h = static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
      std::memcpy(p, &h, 2);
    } else {
      uint64_t v = static_cast<uint64_t>(lit.ints[i]);
      std::memcpy(p, &v, bytes);
    }
  }
  return raw;
}

Value createConstant(OpBuilder &b, Location loc, const Literal &lit) {
  RankedTensorType type = lit.getType();
  ElementsAttr value;
  if (lit.elementType.isInteger(1)) {
    SmallVector<bool> bits;
    for (int64_t v : lit.ints)
      bits.push_back(v != 0);
    value = DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  } else {
    std::vector<char> raw = toRaw(lit);
    if (lit.numElements() <= kMaxInlineElements) {
      value = DenseElementsAttr::getFromRawBuffer(type, raw);
    } else {
      AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, /*align=*/64);
      value = DenseResourceElementsAttr::get(type, "kiln_folded", std::move(blob));
    }
  }
  return onnxir::ConstantOp::create(b, loc, TypeRange{type}, ValueRange{},
                                    ArrayRef<NamedAttribute>{b.getNamedAttr("value", value)})
      .getResult();
}

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      return std::nullopt;
    out[i] = x == 1 ? y : x;
  }
  return out;
}

std::vector<int64_t> broadcastIndices(ArrayRef<int64_t> inShape, ArrayRef<int64_t> outShape) {
  size_t rank = outShape.size(), offset = rank - inShape.size();
  // The stride of each output dim in the input (0 where the input broadcasts).
  SmallVector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = rank; i-- > offset;) {
    int64_t d = inShape[i - offset];
    strides[i] = d == 1 ? 0 : stride;
    stride *= d;
  }
  int64_t n = 1;
  for (int64_t d : outShape)
    n *= d;
  std::vector<int64_t> indices(n);
  SmallVector<int64_t> counter(rank, 0);
  int64_t at = 0;
  for (int64_t i = 0; i < n; ++i) {
    indices[i] = at;
    for (size_t d = rank; d-- > 0;) {
      if (++counter[d] < outShape[d]) {
        at += strides[d];
        break;
      }
      at -= strides[d] * (outShape[d] - 1);
      counter[d] = 0;
    }
  }
  return indices;
}

} // namespace kiln::folding
