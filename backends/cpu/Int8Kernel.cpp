//===- Int8Kernel.cpp - AVX-512 VNNI kernels for 8-bit contractions --------===//
//
// MatMulInteger and ConvInteger (and the QLinear ops) lower to i32 contractions of
// operands widened from 8 bits: ext(x) - zero point, written by an elementwise generic
// (Support/QuantizedArithmetic.h). On a target with AVX-512 VNNI the contraction reads
// the 8-bit buffers instead, the widenings are dropped, and
//
//   Y = D - (beta + zb) * rowsum(A) - za * colsum(B) + K * za * zb
//
// where D[m, n] = sum_k A[m, k] * B'[k, n] is vpdpbusd's dot product (u8 x s8, 4 k per i32
// lane), rowsum/colsum are the sums of the raw values over k, and B' = B + beta re-signs
// B (its sign bit flipped: beta = -128 when both operands are u8, +128 when both are
// i8) so that one side is unsigned and the other signed. i32 arithmetic wraps, so Y is
// exact, as ONNX Runtime's, whenever it fits in i32.
//
//   B constant: packed at compile time into [1][ceil(N/cols)][ceil(K/4)][cols * 4] bytes
//               (row k4 of a panel: cols columns x 4 consecutive k), colsum(B) too;
//   B at run time (im2col columns, activations): interleaved into the same layout per
//               batch by a pre-pass that also sums its columns;
//   rowsum(A): a constant (A a weight, as a convolution's) or a pre-pass over A's rows,
//              unless its factor is the constant 0;
//   scf.parallel over (batch, column panel, row tile) {
//     acc[r][v] = init (C, or the value C was filled with)
//     for k4: b[v] = 64 bytes of the panel row; for r: a = A[row r, 4 k4 .. 4 k4 + 3] as
//             one broadcast i32; acc[r][v] = vpdpbusd(acc[r][v], a, b[v])
//     (the last, partial group of 4 reads A masked: the padding multiplies zeros)
//     acc += corrections; store epilogue(acc), columns past N masked, rows past M not
//   }
//
// Where the target has AMX-INT8, K is padded to a multiple of 64 in the packed B (and a
// pre-pass copies A's rows into a [batch][M rounded up to 32][K rounded up to 64] byte
// buffer): where the OS grants the tile state (the glue's kiln_rt_amx_enabled), each
// (batch, column panel, block of 32 rows) sums D in 2 x 2 tiles of 16 x 16 i32 (tdpbusd
// and friends: two A tiles of 16 rows x 64 bytes, two B tiles of 16 groups of 4 k x 16
// columns, the halves of a panel) through a 32 x 32 scratch, and the corrections, the
// epilogue and the stores run on the scratch's rows as above; elsewhere the vpdpbusd tiles.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace kiln::cpu {
namespace {

constexpr int64_t kLanes = 16; // i32 lanes of a zmm register

class Int8Emitter {
public:
  Int8Emitter(OpBuilder &b, ModuleOp module, const Int8Contraction &q, const Epilogue *epi,
              const TileShape &tile)
      : b(b), loc(q.ct.op->getLoc()), module(module), q(q), ct(q.ct), epi(epi), tile(tile) {}

  void emit();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i32(int64_t v) { return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value ceilDiv(Value x, int64_t d) {
    return arith::DivUIOp::create(b, loc, add(x, index(d - 1)), index(d));
  }
  Value product(ArrayRef<Value> sizes) {
    Value p = index(1);
    for (Value s : sizes)
      p = mul(p, s);
    return p;
  }
  SmallVector<Value> delinearize(Value linear, ArrayRef<Value> sizes) {
    return emitDelinearize(b, loc, linear, sizes);
  }
  Value evaluate(AffineExpr e, ArrayRef<Value> iv) { return emitIndex(b, loc, e, iv); }
  /// `map` at batch `bIv`, rows `mIv`, column `n` and reduction index `k` (unused ones
  /// may be null).
  SmallVector<Value> indices(AffineMap map, ArrayRef<Value> bIv, ArrayRef<Value> mIv, Value n,
                             Value k) {
    SmallVector<Value> iv(ct.numLoops);
    for (auto [d, v] : llvm::zip(ct.batch, bIv))
      iv[d] = v;
    for (auto [d, v] : llvm::zip(ct.m, mIv))
      iv[d] = v;
    iv[ct.n] = n;
    iv[ct.k[0]] = k;
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults())
      result.push_back(evaluate(e, iv));
    return result;
  }
  Value mask(Value left, int64_t lanes) {
    return vector::CreateMaskOp::create(b, loc, VectorType::get({lanes}, b.getI1Type()),
                                        ValueRange{left});
  }
  Value extend(Value v, Type to, bool isUnsigned) {
    return isUnsigned ? Value(arith::ExtUIOp::create(b, loc, to, v))
                      : Value(arith::ExtSIOp::create(b, loc, to, v));
  }
  /// The zero point of `operand` as an i32 scalar, or null (none).
  Value zeroPoint(const Int8Operand &operand) {
    if (operand.zeroConstant)
      return *operand.zeroConstant == 0 ? Value() : i32(*operand.zeroConstant);
    if (!operand.zeroBuffer)
      return Value();
    Value z = memref::LoadOp::create(b, loc, operand.zeroBuffer, ValueRange{});
    return extend(z, b.getI32Type(), operand.zeroUnsigned);
  }

  /// A constant global holding `blob`, read at the insertion point.
  Value constantGlobal(StringRef base, MemRefType type, AsmResourceBlob blob);
  bool packConstantB();
  void interleaveB();
  bool sumRowsOfConstantA();
  void sumRowsOfA();
  void emitTiles();
  void emitAmxTiles();
  /// The AMX pre-pass: A's rows as bytes, [batch][M rounded up to 32][k4Rows * 4].
  Value copyRowsOfA();
  /// Copies row `row` (of the m dims) of batch `bLin` of A's bytes into
  /// dest[prefix..., 0 : K padded to 64), zero past K.
  void copyRow(Value bLin, Value row, Value dest, ArrayRef<Value> prefix);
  /// Adds the zero-point corrections to the tile's sums D (acc(r, v): row r, vector v),
  /// applies the epilogue and stores the rows inside M.
  void finishTile(Value bLin, ArrayRef<Value> bIv, Value i0, int64_t rows, ArrayRef<Value> col,
                  ArrayRef<Value> masks, Value panelBatch,
                  llvm::function_ref<Value(int64_t, int64_t)> acc);

  OpBuilder &b;
  Location loc;
  ModuleOp module;
  const Int8Contraction &q;
  const Contraction &ct;
  const Epilogue *epi;
  TileShape tile;

  SmallVector<Value> batchSizes, mSizes;
  Value batch, mSize, nSize, kSize, k4Full, k4Total, panels;
  bool amx = false;   ///< AMX tiles where the OS grants them (tile.amx)
  Value k4RowsValue;  ///< rows of a packed panel: ceil(K/4), with AMX ceil(K/64) * 16
  bool flip = false; ///< B's sign bit is flipped (both operands of one signedness)
  int64_t beta = 0;  ///< B' = B + beta
  Value za, zb;      ///< i32 zero points, null if none
  Value packed;      ///< [batch or 1][panels][k4Rows][cols * 4] i8
  bool packedIsConstant = false;
  Value zz;        ///< sum_k za * zb over the K real terms (null: 0)
  Value rowFactor; ///< -(beta + zb), the factor of rowsum(A), when rowSums is set
  Value colSums; ///< [batch or 1][panels * cols] i32, when za is set
  Value rowSums; ///< [batch or 1][M] i32, when beta + zb may be nonzero
  bool rowSumsConstant = false;
};

Value Int8Emitter::constantGlobal(StringRef base, MemRefType type, AsmResourceBlob blob) {
  std::string name = base.str();
  for (int i = 0; module.lookupSymbol(name); ++i)
    name = (base + "_" + Twine(i)).str();
  OpBuilder mb(module.getBodyRegion());
  mb.setInsertionPointToStart(module.getBody());
  auto tensorType = RankedTensorType::get(type.getShape(), type.getElementType());
  auto attr = DenseResourceElementsAttr::get(tensorType, name, std::move(blob));
  memref::GlobalOp::create(mb, loc, name, mb.getStringAttr("private"), type, attr,
                           /*constant=*/true, mb.getI64IntegerAttr(64));
  return memref::GetGlobalOp::create(b, loc, type, name).getResult();
}

bool Int8Emitter::sumRowsOfConstantA() {
  // A [m..., k] (the m dims in ct.m's order, no batch dim): the rows C's tiles walk.
  ArrayRef<AffineExpr> results = ct.mapA.getResults();
  if (results.size() != ct.m.size() + 1)
    return false;
  for (auto [e, d] : llvm::zip(results.drop_back(), ct.m))
    if (e != b.getAffineDimExpr(d))
      return false;
  Value narrowA = viewLike(b, ct.a, q.a.narrow);
  auto type = cast<MemRefType>(narrowA.getType());
  std::vector<int8_t> storage;
  std::optional<ArrayRef<int8_t>> data = constantBytes(narrowA, module, storage);
  if (!data || !type.hasStaticShape() || type.getShape().back() == 0)
    return false;
  int64_t k = type.getShape().back(), rows = type.getNumElements() / k;
  std::vector<int32_t> sums(rows, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t kk = 0; kk < k; ++kk) {
      int8_t raw = (*data)[r * k + kk];
      sums[r] += q.a.isUnsigned ? static_cast<int32_t>(static_cast<uint8_t>(raw)) : raw;
    }
  rowSums = constantGlobal("__kiln_int8_rowsums", MemRefType::get({1, rows}, b.getI32Type()),
                           HeapAsmResourceBlob::allocateAndCopyInferAlign<int32_t>(sums));
  rowSumsConstant = true;
  return true;
}

bool Int8Emitter::packConstantB() {
  auto type = cast<MemRefType>(q.b.narrow.getType());
  if (!type.hasStaticShape() || !ct.mapB.isProjectedPermutation() || ct.mapB.getNumResults() != 2)
    return false;
  std::optional<unsigned> kPos = ct.mapB.getResultPosition(b.getAffineDimExpr(ct.k[0]));
  std::optional<unsigned> nPos = ct.mapB.getResultPosition(b.getAffineDimExpr(ct.n));
  if (!kPos || !nPos)
    return false;
  Value narrowB = viewLike(b, ct.b, q.b.narrow);
  auto viewType = cast<MemRefType>(narrowB.getType());
  std::vector<int8_t> storage;
  std::optional<ArrayRef<int8_t>> data = constantBytes(narrowB, module, storage);
  if (!data || !viewType.hasStaticShape())
    return false;
  int64_t k = viewType.getDimSize(*kPos), n = viewType.getDimSize(*nPos);
  int64_t kStride = *kPos == 0 ? viewType.getDimSize(1) : 1;
  int64_t nStride = *nPos == 0 ? viewType.getDimSize(1) : 1;
  int64_t cols = tile.cols(), k4 = amx ? (k + 63) / 64 * 16 : (k + 3) / 4,
          panelCount = (n + cols - 1) / cols;
  std::vector<int8_t> out(panelCount * k4 * cols * 4, 0);
  std::vector<int32_t> sums(panelCount * cols, 0);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t nn = 0; nn < n; ++nn) {
      int8_t raw = (*data)[kk * kStride + nn * nStride];
      int64_t jp = nn / cols, c = nn % cols;
      out[((jp * k4 + kk / 4) * cols + c) * 4 + kk % 4] =
          flip ? static_cast<int8_t>(raw ^ 0x80) : raw;
      sums[nn] += q.b.isUnsigned ? static_cast<int32_t>(static_cast<uint8_t>(raw)) : raw;
    }
  packed = constantGlobal("__kiln_int8_packed",
                          MemRefType::get({1, panelCount, k4, cols * 4}, b.getI8Type()),
                          HeapAsmResourceBlob::allocateAndCopyInferAlign<int8_t>(out));
  if (za)
    colSums = constantGlobal("__kiln_int8_colsums",
                             MemRefType::get({1, panelCount * cols}, b.getI32Type()),
                             HeapAsmResourceBlob::allocateAndCopyInferAlign<int32_t>(sums));
  packedIsConstant = true;
  return true;
}

void Int8Emitter::interleaveB() {
  int64_t cols = tile.cols();
  Value narrowB = viewLike(b, ct.b, q.b.narrow);
  Type i8 = b.getI8Type(), i32Type = b.getI32Type();
  packed = memref::AllocOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic, cols * 4},
                      i8),
      ValueRange{batch, panels, k4RowsValue}, b.getI64IntegerAttr(64));
  if (za)
    colSums = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, i32Type),
        ValueRange{batch, mul(panels, index(cols))}, b.getI64IntegerAttr(64));
  auto v16i8 = VectorType::get({kLanes}, i8), v64i8 = VectorType::get({4 * kLanes}, i8);
  auto v16i32 = VectorType::get({kLanes}, i32Type);
  // out[lane * 4 + t] = row t [lane]: the four k rows interleaved per column.
  SmallVector<int64_t> pairs, interleave;
  for (int64_t i = 0; i < 2 * kLanes; ++i)
    pairs.push_back(i);
  for (int64_t lane = 0; lane < kLanes; ++lane)
    for (int64_t t = 0; t < 4; ++t)
      interleave.push_back(t * kLanes + lane);
  Value kLast = sub(kSize, index(1)), nLast = sub(nSize, index(1));
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{mul(batch, panels)}, ValueRange{index(1)},
      [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        SmallVector<Value> parts = delinearize(ivs[0], {batch, panels});
        SmallVector<Value> bIv = delinearize(parts[0], batchSizes);
        Value j0 = mul(parts[1], index(cols));
        SmallVector<Value> init;
        if (za)
          for (int64_t v = 0; v < tile.vectors; ++v)
            init.push_back(arith::ConstantOp::create(b, loc, v16i32, b.getZeroAttr(v16i32)));
        auto loop = scf::ForOp::create(
            b, loc, index(0), k4RowsValue, index(1), init,
            [&](OpBuilder &lb, Location, Value k4, ValueRange sums) {
              OpBuilder::InsertionGuard inner(b);
              b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
              SmallVector<Value> next(sums);
              for (int64_t v = 0; v < tile.vectors; ++v) {
                Value n0 = add(j0, index(v * kLanes));
                Value nLeft = sub(nSize, n0);
                Value nIdx = arith::MinUIOp::create(b, loc, n0, nLast);
                SmallVector<Value> rows;
                for (int64_t t = 0; t < 4; ++t) {
                  Value k = add(mul(k4, index(4)), index(t));
                  Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, k, kSize);
                  Value left = arith::SelectOp::create(b, loc, inside, nLeft, index(0));
                  Value kIdx = arith::MinUIOp::create(b, loc, k, kLast);
                  Value zero = arith::ConstantOp::create(b, loc, v16i8, b.getZeroAttr(v16i8));
                  Value row = vector::MaskedLoadOp::create(b, loc, v16i8, narrowB,
                                                           indices(ct.mapB, bIv, {}, nIdx, kIdx),
                                                           mask(left, kLanes), zero);
                  rows.push_back(row);
                  if (za)
                    next[v] = add(next[v], extend(row, v16i32, q.b.isUnsigned));
                }
                Value low = vector::ShuffleOp::create(b, loc, rows[0], rows[1], pairs);
                Value high = vector::ShuffleOp::create(b, loc, rows[2], rows[3], pairs);
                Value group = vector::ShuffleOp::create(b, loc, low, high, interleave);
                if (flip) {
                  Value bit = arith::ConstantOp::create(
                      b, loc, v64i8, DenseElementsAttr::get(v64i8, b.getI8IntegerAttr(-128)));
                  group = arith::XOrIOp::create(b, loc, group, bit);
                }
                vector::StoreOp::create(b, loc, group, packed,
                                        ValueRange{parts[0], parts[1], k4, index(v * 4 * kLanes)});
              }
              scf::YieldOp::create(b, loc, next);
            });
        if (za)
          for (int64_t v = 0; v < tile.vectors; ++v)
            vector::StoreOp::create(b, loc, loop.getResult(v), colSums,
                                    ValueRange{parts[0], add(j0, index(v * kLanes))});
      });
}

void Int8Emitter::sumRowsOfA() {
  constexpr int64_t chunk = 64;
  Type i32Type = b.getI32Type();
  auto v64i8 = VectorType::get({chunk}, b.getI8Type());
  auto v64i32 = VectorType::get({chunk}, i32Type);
  Value narrowA = viewLike(b, ct.a, q.a.narrow);
  rowSums = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, i32Type),
      ValueRange{batch, mSize}, b.getI64IntegerAttr(64));
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{mul(batch, mSize)}, ValueRange{index(1)},
      [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        SmallVector<Value> parts = delinearize(ivs[0], {batch, mSize});
        SmallVector<Value> bIv = delinearize(parts[0], batchSizes);
        SmallVector<Value> mIv = delinearize(parts[1], mSizes);
        Value zero = arith::ConstantOp::create(b, loc, v64i32, b.getZeroAttr(v64i32));
        auto loop = scf::ForOp::create(
            b, loc, index(0), kSize, index(chunk), ValueRange{zero},
            [&](OpBuilder &lb, Location, Value k0, ValueRange acc) {
              OpBuilder::InsertionGuard inner(b);
              b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
              Value pass = arith::ConstantOp::create(b, loc, v64i8, b.getZeroAttr(v64i8));
              Value bytes = vector::MaskedLoadOp::create(b, loc, v64i8, narrowA,
                                                         indices(ct.mapA, bIv, mIv, Value(), k0),
                                                         mask(sub(kSize, k0), chunk), pass);
              scf::YieldOp::create(b, loc, add(acc[0], extend(bytes, v64i32, q.a.isUnsigned)));
            });
        Value sum =
            vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, loop.getResult(0));
        memref::StoreOp::create(b, loc, sum, rowSums, ValueRange{parts[0], parts[1]});
      });
}

void Int8Emitter::emitTiles() {
  int64_t rows = tile.rows, cols = tile.cols();
  Type i8 = b.getI8Type(), i32Type = b.getI32Type();
  auto v4i8 = VectorType::get({4}, i8), v1i32 = VectorType::get({1}, i32Type);
  auto v16i32 = VectorType::get({kLanes}, i32Type), v64i8 = VectorType::get({4 * kLanes}, i8);
  Value narrowA = viewLike(b, ct.a, q.a.narrow);
  Value rowTiles = ceilDiv(mSize, rows);
  // vpdpbusd, called as the LLVM intrinsic by name: an llvm.call_intrinsic op has no
  // memory-effect interface, which the buffer deallocation pipeline after this pass
  // rejects, while a call of a function without memref operands passes through it.
  constexpr StringLiteral vpdpbusd = "llvm.x86.avx512.vpdpbusd.512";
  if (!module.lookupSymbol(vpdpbusd)) {
    OpBuilder mb(module.getBodyRegion());
    mb.setInsertionPointToEnd(module.getBody());
    auto decl = func::FuncOp::create(mb, loc, vpdpbusd,
                                     mb.getFunctionType({v16i32, v64i8, v64i8}, {v16i32}));
    decl.setPrivate();
  }

  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{product({batch, panels, rowTiles})},
      ValueRange{index(1)}, [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        // Row tiles innermost: consecutive tiles reuse one panel of B.
        SmallVector<Value> parts = delinearize(ivs[0], {batch, panels, rowTiles});
        Value bLin = parts[0], jp = parts[1];
        SmallVector<Value> bIv = delinearize(bLin, batchSizes);
        Value i0 = mul(parts[2], index(rows)), j0 = mul(jp, index(cols));
        Value panelBatch = packedIsConstant ? index(0) : bLin;
        Value mLast = sub(mSize, index(1));
        SmallVector<Value> rowIndex(rows), clamped(rows);
        SmallVector<SmallVector<Value>> mIv(rows);
        for (int64_t r = 0; r < rows; ++r) {
          rowIndex[r] = add(i0, index(r));
          clamped[r] = arith::MinUIOp::create(b, loc, rowIndex[r], mLast);
          mIv[r] = delinearize(clamped[r], mSizes);
        }
        SmallVector<Value> col(tile.vectors), masks(tile.vectors);
        for (int64_t v = 0; v < tile.vectors; ++v) {
          col[v] = add(j0, index(v * kLanes));
          masks[v] = mask(sub(nSize, col[v]), kLanes);
        }
        SmallVector<Value> init;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t v = 0; v < tile.vectors; ++v) {
            if (ct.initValue) {
              init.push_back(arith::ConstantOp::create(
                  b, loc, v16i32, SplatElementsAttr::get(v16i32, *ct.initValue)));
            } else {
              Value zero = arith::ConstantOp::create(b, loc, v16i32, b.getZeroAttr(v16i32));
              init.push_back(vector::MaskedLoadOp::create(
                  b, loc, v16i32, ct.c, indices(ct.mapC, bIv, mIv[r], col[v], Value()), masks[v],
                  zero));
            }
          }

        // One k loop over groups of 4; `masked` reads A's last, partial group masked.
        auto kLoop = [&](Value from, Value to, bool masked, ValueRange acc) {
          auto loop = scf::ForOp::create(
              b, loc, from, to, index(1), acc,
              [&](OpBuilder &lb, Location, Value k4, ValueRange inner) {
                OpBuilder::InsertionGuard g(b);
                b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
                Value k = mul(k4, index(4));
                SmallVector<Value> bv(tile.vectors);
                for (int64_t v = 0; v < tile.vectors; ++v)
                  bv[v] = vector::LoadOp::create(
                      b, loc, v64i8, packed, ValueRange{panelBatch, jp, k4, index(v * 4 * kLanes)});
                Value aMask = masked ? mask(sub(kSize, k), 4) : Value();
                SmallVector<Value> next(inner.begin(), inner.end());
                for (int64_t r = 0; r < rows; ++r) {
                  SmallVector<Value> idx = indices(ct.mapA, bIv, mIv[r], Value(), k);
                  Value four;
                  if (masked) {
                    Value zero = arith::ConstantOp::create(b, loc, v4i8, b.getZeroAttr(v4i8));
                    four = vector::MaskedLoadOp::create(b, loc, v4i8, narrowA, idx, aMask, zero);
                  } else {
                    four = vector::LoadOp::create(b, loc, v4i8, narrowA, idx);
                  }
                  Value word = vector::BitCastOp::create(b, loc, v1i32, four);
                  Value splat = vector::BitCastOp::create(
                      b, loc, v64i8, vector::BroadcastOp::create(b, loc, v16i32, word));
                  for (int64_t v = 0; v < tile.vectors; ++v) {
                    Value &slot = next[r * tile.vectors + v];
                    // vpdpbusd(acc, unsigned bytes, signed bytes).
                    SmallVector<Value> operands{slot, splat, bv[v]};
                    if (!q.a.isUnsigned)
                      std::swap(operands[1], operands[2]);
                    slot = func::CallOp::create(b, loc, vpdpbusd, TypeRange{v16i32}, operands)
                               .getResult(0);
                  }
                }
                scf::YieldOp::create(b, loc, next);
              });
          return SmallVector<Value>(loop.getResults());
        };
        SmallVector<Value> acc = kLoop(index(0), k4Full, /*masked=*/false, init);
        std::optional<int64_t> staticK = getConstantIntValue(kSize);
        if (!staticK || *staticK % 4 != 0)
          acc = kLoop(k4Full, k4Total, /*masked=*/true, acc);

        finishTile(bLin, bIv, i0, rows, col, masks, panelBatch,
                   [&](int64_t r, int64_t v) { return acc[r * tile.vectors + v]; });
      });
}

void Int8Emitter::finishTile(Value bLin, ArrayRef<Value> bIv, Value i0, int64_t rows,
                             ArrayRef<Value> col, ArrayRef<Value> masks, Value panelBatch,
                             llvm::function_ref<Value(int64_t, int64_t)> acc) {
  auto v16i32 = VectorType::get({kLanes}, b.getI32Type());
  int64_t vectors = col.size();
  SmallVector<Value> colTerm(vectors);
  if (za)
    for (int64_t v = 0; v < vectors; ++v) {
      Value sums = vector::LoadOp::create(b, loc, v16i32, colSums, ValueRange{panelBatch, col[v]});
      colTerm[v] = mul(vector::BroadcastOp::create(b, loc, v16i32, za), sums);
    }
  Value out = epi ? epi->output : ct.c;
  AffineMap outMap = epi && epi->outputMap ? epi->outputMap : ct.mapC;
  Value mLast = sub(mSize, index(1));
  for (int64_t r = 0; r < rows; ++r) {
    Value row = add(i0, index(r));
    Value clamped = arith::MinUIOp::create(b, loc, row, mLast);
    Value rowTerm = zz;
    if (rowSums) {
      Value sum = memref::LoadOp::create(
          b, loc, rowSums, ValueRange{rowSumsConstant ? index(0) : bLin, clamped});
      Value term = mul(rowFactor, sum);
      rowTerm = rowTerm ? add(rowTerm, term) : term;
    }
    SmallVector<Value> values;
    for (int64_t v = 0; v < vectors; ++v) {
      Value value = acc(r, v);
      if (rowTerm)
        value = add(value, vector::BroadcastOp::create(b, loc, v16i32, rowTerm));
      if (za)
        value = sub(value, colTerm[v]);
      values.push_back(value);
    }
    OpBuilder::InsertionGuard g(b);
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, mSize);
    b.setInsertionPointToStart(scf::IfOp::create(b, loc, inside).thenBlock());
    SmallVector<Value> mIv = delinearize(row, mSizes);
    for (int64_t v = 0; v < vectors; ++v) {
      Value value = values[v];
      if (epi)
        value = emitVectorEpilogue(b, loc, *epi, value, ct.n, kLanes, masks[v], [&](AffineMap m) {
          return indices(m, bIv, mIv, col[v], Value());
        });
      storeVector(b, loc, value, out, indices(outMap, bIv, mIv, col[v], Value()), masks[v]);
    }
  }
}

void Int8Emitter::copyRow(Value bLin, Value row, Value dest, ArrayRef<Value> prefix) {
  constexpr int64_t chunk = 64;
  auto v64i8 = VectorType::get({chunk}, b.getI8Type());
  Value narrowA = viewLike(b, ct.a, q.a.narrow);
  SmallVector<Value> bIv = delinearize(bLin, batchSizes);
  SmallVector<Value> mIv = delinearize(row, mSizes);
  OpBuilder::InsertionGuard g(b);
  auto loop = scf::ForOp::create(b, loc, index(0), mul(k4RowsValue, index(4)), index(chunk));
  b.setInsertionPointToStart(loop.getBody());
  Value k0 = loop.getInductionVar();
  // Bytes past K are zero (a B filled at run time may have its padding re-signed to
  // -128). Past K the mask is empty and the index is clamped (no access is made).
  Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, k0, kSize);
  Value left = arith::SelectOp::create(b, loc, inside, sub(kSize, k0), index(0));
  Value kIdx = arith::SelectOp::create(b, loc, inside, k0, index(0));
  Value pass = arith::ConstantOp::create(b, loc, v64i8, b.getZeroAttr(v64i8));
  Value bytes = vector::MaskedLoadOp::create(
      b, loc, v64i8, narrowA, indices(ct.mapA, bIv, mIv, Value(), kIdx), mask(left, chunk), pass);
  SmallVector<Value> at(prefix);
  at.push_back(k0);
  vector::StoreOp::create(b, loc, bytes, dest, at);
}

Value Int8Emitter::copyRowsOfA() {
  Value rowCount = mul(ceilDiv(mSize, 32), index(32));
  Value rowBytes = mul(k4RowsValue, index(4));
  Value rows = memref::AllocOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
                      b.getI8Type()),
      ValueRange{batch, rowCount, rowBytes}, b.getI64IntegerAttr(64));
  // Rows past M are left as they are: they feed sums that are not stored.
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{mul(batch, mSize)}, ValueRange{index(1)},
      [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        SmallVector<Value> parts = delinearize(ivs[0], {batch, mSize});
        copyRow(parts[0], parts[1], rows, parts);
      });
  return rows;
}

void Int8Emitter::emitAmxTiles() {
  constexpr int64_t block = 32; // rows and columns of C per iteration: 2 x 2 tiles
  Type i8 = b.getI8Type(), i32Type = b.getI32Type();
  auto v16i32 = VectorType::get({kLanes}, i32Type);
  auto abType = amx::TileType::get({16, 64}, i8), cType = amx::TileType::get({16, 16}, i32Type);
  // A block of 32 rows of A of up to 128 KiB (a static K up to 4096) is copied on the
  // stack by the row block that uses it, hot in L1 or L2 for its panels; a longer or
  // run-time K by a pre-pass into a buffer of all rows.
  constexpr int64_t maxBlockBytes = 128 << 10;
  std::optional<int64_t> kKnown = getConstantIntValue(kSize);
  int64_t blockBytes = kKnown ? (*kKnown + 63) / 64 * 64 : 0;
  bool fused = kKnown && block * blockBytes <= maxBlockBytes;
  Value rowsA = fused ? Value() : copyRowsOfA();
  auto copyBlock = [&](Value bLin, Value rowBlock) -> Value {
    return emitAmxRowBlock(b, loc, MemRefType::get({block, blockBytes}, i8),
                           mul(rowBlock, index(block)), mSize,
                           [&](Value row, Value r, Value blockA) {
                             copyRow(bLin, row, blockA, {r});
                           });
  };
  // A static count lets the block steps keep C in registers throughout (AmxTiles.cpp).
  Value steps = kKnown ? index((*kKnown + 63) / 64)
                       : arith::DivUIOp::create(b, loc, k4RowsValue, index(16)).getResult();
  Value rowBlocks = ceilDiv(mSize, block);
  emitAmxBlocks(
      b, loc, batch, panels, rowBlocks, mul(k4RowsValue, index(4 * block)), i32Type,
      fused ? llvm::function_ref<Value(Value, Value)>(copyBlock) : nullptr,
      [&](Value bLin, Value jp, Value rowBlock, Value scratch, Value blockA) {
        SmallVector<Value> bIv = delinearize(bLin, batchSizes);
        Value i0 = mul(rowBlock, index(block)), j0 = mul(jp, index(block));
        Value panelBatch = packedIsConstant ? index(0) : bLin;
        SmallVector<Value> col(2), masks(2);
        for (int64_t v = 0; v < 2; ++v) {
          col[v] = add(j0, index(v * kLanes));
          masks[v] = mask(sub(nSize, col[v]), kLanes);
        }
        // C's initial value (rows past M read row M - 1) into the scratch.
        Value mLast = sub(mSize, index(1));
        bool zeroInit = isZeroInit(ct.initValue);
        for (int64_t r = 0; r < block && !zeroInit; ++r) {
          Value row = arith::MinUIOp::create(b, loc, add(i0, index(r)), mLast);
          SmallVector<Value> mIv = ct.initValue ? SmallVector<Value>{} : delinearize(row, mSizes);
          for (int64_t v = 0; v < 2; ++v) {
            Value init;
            if (ct.initValue) {
              init = arith::ConstantOp::create(b, loc, v16i32,
                                               SplatElementsAttr::get(v16i32, *ct.initValue));
            } else {
              Value zero = arith::ConstantOp::create(b, loc, v16i32, b.getZeroAttr(v16i32));
              init = vector::MaskedLoadOp::create(b, loc, v16i32, ct.c,
                                                  indices(ct.mapC, bIv, mIv, col[v], Value()),
                                                  masks[v], zero);
            }
            vector::StoreOp::create(b, loc, init, scratch, ValueRange{index(r), index(v * kLanes)});
          }
        }
        // A's bytes are unsigned or signed and B's (re-signed) the other way.
        emitAmxBlockSteps(
            b, loc, scratch, steps, zeroInit, abType, cType, fused ? blockA : rowsA,
            [&](int64_t h, Value step) -> SmallVector<Value> {
              if (fused)
                return {index(h * 16), mul(step, index(64))};
              return {bLin, add(i0, index(h * 16)), mul(step, index(64))};
            },
            packed,
            [&](int64_t h, Value step) -> SmallVector<Value> {
              return {panelBatch, jp, mul(step, index(16)), index(h * 64)};
            },
            [&](Value a, Value bt, Value c) -> Value {
              auto product = amx::TileMulIOp::create(b, loc, cType, a, bt, c);
              if (q.a.isUnsigned)
                product.setIsZextLhs(true);
              else
                product.setIsZextRhs(true);
              return product;
            });
        finishTile(bLin, bIv, i0, block, col, masks, panelBatch, [&](int64_t r, int64_t v) {
          return vector::LoadOp::create(b, loc, v16i32, scratch,
                                        ValueRange{index(r), index(v * kLanes)})
              .getResult();
        });
      });
}

void Int8Emitter::emit() {
  linalg::LinalgOp op = ct.op;
  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  auto size = [&](int64_t d) { return getValueOrCreateConstantIndexOp(b, loc, ranges[d].size); };
  for (int64_t d : ct.batch)
    batchSizes.push_back(size(d));
  for (int64_t d : ct.m)
    mSizes.push_back(size(d));
  batch = product(batchSizes);
  mSize = product(mSizes);
  nSize = size(ct.n);
  kSize = size(ct.k[0]);
  k4Full = arith::DivUIOp::create(b, loc, kSize, index(4));
  k4Total = ceilDiv(kSize, 4);
  amx = tile.amx;
  k4RowsValue = amx ? mul(ceilDiv(kSize, 64), index(16)) : k4Total;
  panels = ceilDiv(nSize, tile.cols());
  flip = q.a.isUnsigned == q.b.isUnsigned;
  beta = !flip ? 0 : q.b.isUnsigned ? -128 : 128;
  za = zeroPoint(q.a);
  zb = zeroPoint(q.b);
  if (!packConstantB())
    interleaveB();
  bool rowFactorZero = !zb && beta == 0;
  if (q.b.zeroConstant && *q.b.zeroConstant + beta == 0)
    rowFactorZero = true;
  if (!rowFactorZero && !sumRowsOfConstantA())
    sumRowsOfA();
  Type i32Type = b.getI32Type();
  if (za && zb)
    zz = mul(mul(za, zb), arith::IndexCastOp::create(b, loc, i32Type, kSize));
  if (rowSums)
    rowFactor = sub(i32(-beta), zb ? zb : i32(0));
  if (!amx) {
    emitTiles();
    return;
  }
  // AMX where the OS grants the tile state, else the vpdpbusd tiles on the same buffers.
  emitAmxOrFallback(
      b, module, loc, [&] { emitAmxTiles(); }, [&] { emitTiles(); });
}

} // namespace

void emitInt8Contraction(OpBuilder &builder, ModuleOp module, const Int8Contraction &q,
                         const Epilogue *epilogue, const TileShape &tile) {
  assert(tile.width == kLanes && "the VNNI kernel works on 16 i32 lanes");
  Int8Contraction narrowed = q;
  for (Int8Operand *operand : {&narrowed.a, &narrowed.b})
    if (!operand->narrow)
      operand->narrow = materializeNarrow(*operand);
  // With AMX, panels of 32 columns: the B tiles are their two halves.
  TileShape shape = tile;
  if (shape.amx)
    shape.vectors = 2;
  Int8Emitter(builder, module, narrowed, epilogue, shape).emit();
}

} // namespace kiln::cpu
