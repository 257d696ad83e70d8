//===- TensorImporter.cpp - ONNX TensorProto -> ElementsAttr --------------===//
//
// Every storage form is first normalized to the raw_data layout (little-endian,
// sub-byte types packed LSB first) so that one routine builds the attribute.
//
//===----------------------------------------------------------------------===//

#include "frontend/TensorImporter.h"

#include "frontend/ExternalData.h"
#include "frontend/TypeImporter.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MathExtras.h"

#include <cstring>
#include <vector>

using namespace mlir;
using kiln::onnxpb::TensorProto;

namespace kiln::frontend {
namespace {

/// Tensors up to this many elements stay inline DenseElementsAttr (readable in
/// the IR and foldable); larger ones become resource blobs.
constexpr int64_t kMaxInlineElements = 16;

/// Storage layout of one ONNX element type in raw_data.
struct Layout {
  /// Bits per element in raw_data (1 byte for bool).
  unsigned bits;
  /// Whether elements are whole bytes that may be stored as a resource blob.
  bool byteAddressable;
};

Layout layoutOf(int32_t dt) {
  switch (dt) {
  case TensorProto::INT4:
  case TensorProto::UINT4:
  case TensorProto::FLOAT4E2M1:
    return {4, false};
  case TensorProto::INT2:
  case TensorProto::UINT2:
    return {2, false};
  case TensorProto::BOOL:
    return {8, false};
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::FLOAT8E4M3FN:
  case TensorProto::FLOAT8E4M3FNUZ:
  case TensorProto::FLOAT8E5M2:
  case TensorProto::FLOAT8E5M2FNUZ:
  case TensorProto::FLOAT8E8M0:
    return {8, true};
  case TensorProto::INT16:
  case TensorProto::UINT16:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    return {16, true};
  case TensorProto::INT32:
  case TensorProto::UINT32:
  case TensorProto::FLOAT:
    return {32, true};
  case TensorProto::INT64:
  case TensorProto::UINT64:
  case TensorProto::DOUBLE:
  case TensorProto::COMPLEX64:
    return {64, true};
  case TensorProto::COMPLEX128:
    return {128, true};
  default:
    return {0, false};
  }
}

template <typename T> void appendLE(std::vector<char> &out, T value) {
  char bytes[sizeof(T)];
  llvm::support::endian::write<T>(bytes, value, llvm::endianness::little);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

/// Copies the typed repeated field that holds `dt` into `out` in raw_data
/// layout and returns the number of field entries, or -1 when the tensor uses
/// a field that does not fit its data type.
int64_t typedFieldToRaw(const TensorProto &t, std::vector<char> &out) {
  int32_t dt = t.data_type();
  switch (dt) {
  case TensorProto::FLOAT:
  case TensorProto::COMPLEX64:
    for (float v : t.float_data())
      appendLE<uint32_t>(out, llvm::bit_cast<uint32_t>(v));
    return t.float_data_size();
  case TensorProto::DOUBLE:
  case TensorProto::COMPLEX128:
    for (double v : t.double_data())
      appendLE<uint64_t>(out, llvm::bit_cast<uint64_t>(v));
    return t.double_data_size();
  case TensorProto::INT64:
    for (int64_t v : t.int64_data())
      appendLE<int64_t>(out, v);
    return t.int64_data_size();
  case TensorProto::UINT32:
    for (uint64_t v : t.uint64_data())
      appendLE<uint32_t>(out, static_cast<uint32_t>(v));
    return t.uint64_data_size();
  case TensorProto::UINT64:
    for (uint64_t v : t.uint64_data())
      appendLE<uint64_t>(out, v);
    return t.uint64_data_size();
  case TensorProto::INT32:
    for (int32_t v : t.int32_data())
      appendLE<int32_t>(out, v);
    return t.int32_data_size();
  case TensorProto::INT16:
  case TensorProto::UINT16:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    // 16-bit values (and float bit patterns) live in the low bits.
    for (int32_t v : t.int32_data())
      appendLE<uint16_t>(out, static_cast<uint16_t>(v));
    return t.int32_data_size();
  default:
    // 8-bit types one per entry; 4-bit (2-bit) types already packed two
    // (four) per entry in the low byte, exactly as in raw_data.
    if (layoutOf(dt).bits <= 8) {
      for (int32_t v : t.int32_data())
        out.push_back(static_cast<char>(static_cast<uint8_t>(v)));
      return t.int32_data_size();
    }
    return -1;
  }
}

/// Unpacks sub-byte elements (LSB first) into APInts of `bits` width.
SmallVector<APInt> unpackSubByte(ArrayRef<char> raw, int64_t count, unsigned bits) {
  SmallVector<APInt> values;
  values.reserve(count);
  unsigned perByte = 8 / bits;
  for (int64_t i = 0; i < count; ++i) {
    uint8_t byte = static_cast<uint8_t>(raw[i / perByte]);
    unsigned shift = (i % perByte) * bits;
    values.emplace_back(bits, (byte >> shift) & ((1u << bits) - 1));
  }
  return values;
}

std::string sanitizeBlobName(StringRef name) {
  std::string out;
  for (char c : name)
    out.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  return out.empty() ? "tensor" : out;
}

} // namespace

FailureOr<ElementsAttr> importTensor(const TensorProto &t, const ImportEnv &env,
                                     const ErrorSite &site) {
  MLIRContext &ctx = env.ctx;
  auto fail = [&]() { return site.emit() << "tensor '" << t.name() << "': "; };
  if (t.has_segment())
    return fail() << "unsupported: segmented tensors", failure();

  FailureOr<Type> elemType = importElementType(ctx, t.data_type(), site);
  if (failed(elemType))
    return fail() << "cannot import its element type", failure();

  SmallVector<int64_t> dims;
  int64_t numElements = 1;
  for (int64_t d : t.dims()) {
    if (d < 0)
      return fail() << "negative dimension " << d, failure();
    if (llvm::MulOverflow(numElements, d, numElements))
      return fail() << "element count overflows", failure();
    dims.push_back(d);
  }
  auto type = RankedTensorType::get(dims, *elemType);
  bool external = t.data_location() == TensorProto::EXTERNAL;

  if (t.data_type() == TensorProto::STRING) {
    if (external || t.has_raw_data())
      return fail() << "string tensors must use string_data", failure();
    if (t.string_data_size() != numElements)
      return fail() << "has " << t.string_data_size() << " strings but its shape needs "
                    << numElements,
             failure();
    SmallVector<StringRef> strings(t.string_data().begin(), t.string_data().end());
    return ElementsAttr(DenseStringElementsAttr::get(type, strings));
  }

  Layout layout = layoutOf(t.data_type());
  if (layout.bits == 0)
    return fail() << "unsupported: element type " << *elemType << " in tensor data", failure();
  uint64_t expectedBytes;
  if (layout.bits >= 8) {
    int64_t bytes;
    if (llvm::MulOverflow<int64_t>(numElements, layout.bits / 8, bytes))
      return fail() << "byte size overflows", failure();
    expectedBytes = bytes;
  } else {
    unsigned perByte = 8 / layout.bits;
    expectedBytes = (static_cast<uint64_t>(numElements) + perByte - 1) / perByte;
  }

  // Gather the bytes in raw_data layout.
  std::unique_ptr<llvm::MemoryBuffer> externalBuffer;
  std::vector<char> converted;
  ArrayRef<char> raw;
  if (external) {
    auto buffer = loadExternalData(t, expectedBytes, env, site);
    if (failed(buffer))
      return failure();
    externalBuffer = std::move(*buffer);
    raw = ArrayRef<char>(externalBuffer->getBufferStart(), externalBuffer->getBufferSize());
  } else if (t.has_raw_data()) {
    raw = ArrayRef<char>(t.raw_data().data(), t.raw_data().size());
  } else {
    int64_t entries = typedFieldToRaw(t, converted);
    if (entries < 0)
      return fail() << "no storage field fits element type " << *elemType, failure();
    raw = converted;
  }
  if (raw.size() != expectedBytes)
    return fail() << "has " << raw.size() << " bytes of data but its shape " << type << " needs "
                  << expectedBytes,
           failure();
  if (llvm::endianness::native != llvm::endianness::little)
    return fail() << "unsupported: big-endian hosts", failure();

  if (t.data_type() == TensorProto::BOOL) {
    SmallVector<bool> values;
    values.reserve(numElements);
    for (char c : raw)
      values.push_back(c != 0);
    return ElementsAttr(DenseElementsAttr::get(type, ArrayRef<bool>(values)));
  }
  if (layout.bits < 8) {
    SmallVector<APInt> bits = unpackSubByte(raw, numElements, layout.bits);
    if (t.data_type() == TensorProto::FLOAT4E2M1) {
      SmallVector<APFloat> values;
      values.reserve(numElements);
      for (const APInt &v : bits)
        values.emplace_back(llvm::APFloat::Float4E2M1FN(), v);
      return ElementsAttr(DenseElementsAttr::get(type, values));
    }
    return ElementsAttr(DenseElementsAttr::get(type, bits));
  }
  if (layout.byteAddressable && numElements > kMaxInlineElements) {
    // Align generously so later passes can vectorize over the blob directly.
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, /*align=*/64);
    return ElementsAttr(
        DenseResourceElementsAttr::get(type, sanitizeBlobName(t.name()), std::move(blob)));
  }
  return ElementsAttr(DenseElementsAttr::getFromRawBuffer(type, raw));
}

} // namespace kiln::frontend
