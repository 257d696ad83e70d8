//===- Int4Weights.cpp - Constant weights dequantized from 4 bits --------===//
//
// DequantizeLinear of a constant 4-bit weight (kilnc --quantize=int4-weights, the
// upgraded MatMulNBits, int4 QDQ models) lowers to an elementwise generic that fills
// B = (float(q) - float(zero)) * scale, scale and zero point per block of k rows. Without
// this, that generic would run on every call and the contraction read an f32 B. Instead
// the 4-bit values are packed at compile time, two k rows per byte, into the micro-
// kernel's panels, with an f32 scale and offset per block and column:
//
//   B[k, n] = u * scale + offset,   u = q - c in [0, 15]   (c = 0 for unsigned values,
//                                   offset = (c - zero) * scale;   -8 for signed ones)
//
// and the kernel (MicroKernel.cpp) widens each row as it loads it (one fma per vector).
// The weight then takes about a sixth of its f32 bytes and the generic is dropped
// (eraseDeadStores).
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>

using namespace mlir;

namespace kiln::cpu {
namespace {

/// B's writer: y = (cast(q) [- cast(zero)]) * scale over B's dims.
struct Dequantization {
  linalg::GenericOp op;
  OpOperand *values = nullptr, *scale = nullptr, *zero = nullptr;
  bool valuesSigned = false, zeroSigned = false;
};

/// The generic input `v` (a block argument of `op`'s body) stands for, cast to float by
/// uitofp/sitofp from an integer of at most 8 bits; null otherwise.
OpOperand *castInput(linalg::GenericOp op, Value v, bool &isSigned) {
  Operation *cast = v.getDefiningOp();
  if (!cast || !isa<arith::UIToFPOp, arith::SIToFPOp>(cast))
    return nullptr;
  auto arg = dyn_cast<BlockArgument>(cast->getOperand(0));
  if (!arg || arg.getOwner() != op.getBody() || arg.getArgNumber() >= op.getNumDpsInputs() ||
      arg.getType().getIntOrFloatBitWidth() > 8)
    return nullptr;
  isSigned = isa<arith::SIToFPOp>(cast);
  return op.getDpsInputOperand(arg.getArgNumber());
}

std::optional<Dequantization> matchDequantization(linalg::GenericOp op) {
  Block *body = op.getBody();
  if (op.getNumDpsInputs() < 2 || op.getNumDpsInputs() > 3 ||
      !body->getArguments().back().use_empty() ||
      !isa<MemRefType>(op.getDpsInitOperand(0)->get().getType()))
    return std::nullopt;
  // Exactly the ops of the pattern: casts, an optional subtraction, the product.
  if (static_cast<int64_t>(body->getOperations().size()) != (op.getNumDpsInputs() == 3 ? 5 : 3))
    return std::nullopt;
  auto mul = body->getTerminator()->getOperand(0).getDefiningOp<arith::MulFOp>();
  if (!mul || !mul.getType().isF32())
    return std::nullopt;
  Dequantization d;
  d.op = op;
  for (auto [x, s] : {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())}) {
    auto arg = dyn_cast<BlockArgument>(s);
    if (!arg || arg.getOwner() != body || arg.getArgNumber() >= op.getNumDpsInputs())
      continue;
    d.scale = op.getDpsInputOperand(arg.getArgNumber());
    if (auto sub = x.getDefiningOp<arith::SubFOp>()) {
      d.values = castInput(op, sub.getLhs(), d.valuesSigned);
      d.zero = castInput(op, sub.getRhs(), d.zeroSigned);
      if (!d.zero)
        return std::nullopt;
    } else {
      d.values = castInput(op, x, d.valuesSigned);
    }
    break;
  }
  if (!d.scale || !d.values || d.values == d.scale || (d.zero && (d.zero == d.values ||
                                                                 d.zero == d.scale)))
    return std::nullopt;
  return d;
}

/// How a per-block parameter (scale or zero point) is read: its map over B's dims as
/// offsets into its row-major buffer for (k, n), with k's blocks of `block` rows.
struct ParamAccess {
  SmallVector<int64_t> kStride, nStride, constant; // per result: one of them applies
  SmallVector<int64_t> kDiv;                       // k's divisor (0: k is not used)
  int64_t block = 0;                               // 0: the same for every k
  int64_t offset(int64_t k, int64_t n) const {
    int64_t result = 0;
    for (size_t r = 0; r < kDiv.size(); ++r)
      result += kDiv[r] ? k / kDiv[r] * kStride[r] : nStride[r] ? n * nStride[r] : constant[r];
    return result;
  }
};

/// `map` (over B's dims) with `kPos`, `nPos` B's k and n dims, if each result is n, k
/// floordiv a constant (the same one), k, or a constant; the buffer's `shape` is static.
std::optional<ParamAccess> paramAccess(AffineMap map, ArrayRef<int64_t> shape, unsigned kPos,
                                       unsigned nPos) {
  if (map.getNumResults() != shape.size())
    return std::nullopt;
  ParamAccess access;
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  for (auto [r, e] : llvm::enumerate(map.getResults())) {
    int64_t kDiv = 0, nStride = 0, constant = 0;
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      constant = c.getValue() * strides[r];
    } else if (auto d = dyn_cast<AffineDimExpr>(e)) {
      if (d.getPosition() == nPos)
        nStride = strides[r];
      else if (d.getPosition() == kPos)
        kDiv = 1;
      else
        return std::nullopt;
    } else if (auto bin = dyn_cast<AffineBinaryOpExpr>(e);
               bin && bin.getKind() == AffineExprKind::FloorDiv) {
      auto d = dyn_cast<AffineDimExpr>(bin.getLHS());
      auto c = dyn_cast<AffineConstantExpr>(bin.getRHS());
      if (!d || !c || d.getPosition() != kPos || c.getValue() <= 0)
        return std::nullopt;
      kDiv = c.getValue();
    } else {
      return std::nullopt;
    }
    if (kDiv) {
      if (access.block && access.block != kDiv)
        return std::nullopt;
      access.block = kDiv;
    }
    access.kDiv.push_back(kDiv);
    access.kStride.push_back(strides[r]);
    access.nStride.push_back(nStride);
    access.constant.push_back(constant);
  }
  return access;
}

/// The f32 values of the constant global `v` reads.
std::optional<std::vector<float>> floatsOf(Value v, ModuleOp module) {
  std::vector<float> storage;
  std::optional<ArrayRef<float>> data = constantData(v, module, storage);
  if (!data)
    return std::nullopt;
  return std::vector<float>(data->begin(), data->end());
}

/// The integers of the constant global `v` reads (elements of at most 8 bits).
std::optional<std::vector<int32_t>> integersOf(Value v, ModuleOp module, bool isSigned) {
  auto type = cast<MemRefType>(v.getType());
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  std::vector<int8_t> storage;
  std::optional<ArrayRef<int8_t>> bytes = constantBytes(v, module, storage);
  if (!bytes)
    return std::nullopt;
  std::vector<int32_t> values;
  values.reserve(bytes->size());
  for (int8_t byte : *bytes) {
    uint32_t raw = static_cast<uint8_t>(byte) & ((1u << bits) - 1);
    values.push_back(isSigned ? static_cast<int32_t>(raw << (32 - bits)) >> (32 - bits)
                              : static_cast<int32_t>(raw));
  }
  return values;
}

std::string symbolName(Value v) {
  if (!v)
    return "";
  auto get = rootOf(v).getDefiningOp<memref::GetGlobalOp>();
  return get ? get.getName().str() : std::string();
}

} // namespace

bool Int4Packer::pack(OpBuilder &b, Contraction &ct, int64_t cols) {
  if (ct.k.size() != 1 || ct.mapB.getNumResults() != 2 || !ct.mapB.isProjectedPermutation())
    return false;
  auto bType = cast<MemRefType>(ct.b.getType());
  if (!bType.getElementType().isF32() || !bType.hasStaticShape() ||
      !bType.getLayout().isIdentity() || !isa_and_nonnull<memref::AllocOp>(ct.b.getDefiningOp()))
    return false;
  linalg::GenericOp writer = lastWholeWriter(ct.b, ct.op);
  if (!writer || writer.getDpsInitOperand(0)->get() != ct.b)
    return false;
  std::optional<Dequantization> dq = matchDequantization(writer);
  if (!dq || !writer.getMatchingIndexingMap(dq->values).isIdentity())
    return false;
  unsigned kPos = *ct.mapB.getResultPosition(b.getAffineDimExpr(ct.k[0]));
  unsigned nPos = *ct.mapB.getResultPosition(b.getAffineDimExpr(ct.n));
  Value values = dq->values->get(), scale = dq->scale->get();
  Value zero = dq->zero ? dq->zero->get() : Value();
  auto staticShape = [](Value v) {
    auto type = cast<MemRefType>(v.getType());
    return type.hasStaticShape() && type.getLayout().isIdentity() ? type.getShape()
                                                                  : ArrayRef<int64_t>();
  };
  if (!cast<MemRefType>(scale.getType()).getElementType().isF32() ||
      (cast<MemRefType>(scale.getType()).getRank() > 0 && staticShape(scale).empty()) ||
      (zero && cast<MemRefType>(zero.getType()).getRank() > 0 && staticShape(zero).empty()))
    return false;
  std::optional<ParamAccess> scaleAccess = paramAccess(
      writer.getMatchingIndexingMap(dq->scale), staticShape(scale), kPos, nPos);
  std::optional<ParamAccess> zeroAccess =
      zero ? paramAccess(writer.getMatchingIndexingMap(dq->zero), staticShape(zero), kPos, nPos)
           : ParamAccess();
  if (!scaleAccess || !zeroAccess)
    return false;
  int64_t kSize = bType.getDimSize(kPos), nSize = bType.getDimSize(nPos);
  // One block for both parameters: the finer one (each must be constant over it).
  int64_t block = kSize;
  for (int64_t blk : {scaleAccess->block, zeroAccess->block})
    if (blk)
      block = std::min(block, blk);
  if ((scaleAccess->block && scaleAccess->block % block) ||
      (zeroAccess->block && zeroAccess->block % block) || block <= 0)
    return false;

  if (symbolName(values).empty() || symbolName(scale).empty())
    return false; // not constants
  std::string key = symbolName(values) + "/" + symbolName(scale) + "/" + symbolName(zero) +
                    "/" + std::to_string(kPos) + "/" + std::to_string(cols);
  Location loc = ct.op->getLoc();
  int64_t panels = (nSize + cols - 1) / cols, pairs = (kSize + 1) / 2;
  int64_t blocks = (kSize + block - 1) / block;
  auto it = packed.find(key);
  if (it == packed.end()) {
    std::optional<std::vector<int32_t>> q = integersOf(values, module, dq->valuesSigned);
    std::optional<std::vector<float>> s = floatsOf(scale, module);
    std::optional<std::vector<int32_t>> z =
        zero ? integersOf(zero, module, dq->zeroSigned) : std::vector<int32_t>{0};
    if (!q || !s || !z)
      return false;
    // The values fit in 4 bits unsigned (0..15) or signed (-8..7).
    auto [lo, hi] = std::minmax_element(q->begin(), q->end());
    int32_t base;
    if (*lo >= 0 && *hi <= 15)
      base = 0;
    else if (*lo >= -8 && *hi <= 7)
      base = -8;
    else
      return false;
    int64_t kStride = kPos == 0 ? bType.getDimSize(1) : 1;
    int64_t nStride = nPos == 0 ? bType.getDimSize(1) : 1;
    std::vector<uint8_t> nibbles(panels * pairs * cols, 0);
    std::vector<float> scales(panels * blocks * cols, 0.0f), offsets(scales.size(), 0.0f);
    for (int64_t k = 0; k < kSize; ++k)
      for (int64_t n = 0; n < nSize; ++n) {
        uint8_t u = static_cast<uint8_t>((*q)[k * kStride + n * nStride] - base);
        nibbles[((n / cols) * pairs + k / 2) * cols + n % cols] |= u << (4 * (k % 2));
      }
    for (int64_t kb = 0; kb < blocks; ++kb)
      for (int64_t n = 0; n < nSize; ++n) {
        float sv = (*s)[scaleAccess->offset(kb * block, n)];
        int32_t zv = zero ? (*z)[zeroAccess->offset(kb * block, n)] : 0;
        int64_t at = ((n / cols) * blocks + kb) * cols + n % cols;
        scales[at] = sv;
        offsets[at] = static_cast<float>(base - zv) * sv;
      }
    OpBuilder mb(module.getBodyRegion());
    mb.setInsertionPointToStart(module.getBody());
    auto global = [&](StringRef prefix, MemRefType type, AsmResourceBlob blob) {
      std::string name = (prefix + "_" + Twine(packed.size())).str();
      while (module.lookupSymbol(name))
        name += "_";
      auto attr = DenseResourceElementsAttr::get(
          RankedTensorType::get(type.getShape(), type.getElementType()), name, std::move(blob));
      memref::GlobalOp::create(mb, loc, name, mb.getStringAttr("private"), type, attr,
                               /*constant=*/true, mb.getI64IntegerAttr(64));
      return name;
    };
    auto floatType = MemRefType::get({panels, blocks, cols}, b.getF32Type());
    std::string nibbleName =
        global("__kiln_int4_packed", MemRefType::get({panels, pairs, cols}, b.getI8Type()),
               HeapAsmResourceBlob::allocateAndCopyInferAlign<uint8_t>(nibbles));
    std::string scaleName = global("__kiln_int4_scales", floatType,
                                   HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(scales));
    std::string offsetName = global(
        "__kiln_int4_offsets", floatType, HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(offsets));
    it = packed.insert_or_assign(key, std::make_tuple(nibbleName, scaleName, offsetName, block))
             .first;
  }
  auto [nibbleName, scaleName, offsetName, blockSize] = it->second;
  ct.packedB = memref::GetGlobalOp::create(
      b, loc, MemRefType::get({panels, pairs, cols}, b.getI8Type()), nibbleName);
  auto floatType = MemRefType::get({panels, blocks, cols}, b.getF32Type());
  ct.int4Scales = memref::GetGlobalOp::create(b, loc, floatType, scaleName);
  ct.int4Offsets = memref::GetGlobalOp::create(b, loc, floatType, offsetName);
  ct.int4Block = blockSize;
  ct.packedBatch.clear();
  return true;
}

} // namespace kiln::cpu
