//===- Bf16Kernel.cpp - AVX-512 BF16 kernels for f32 contractions ---------===//
//
// With --precision=bf16 an f32 contraction whose B is a constant (a weight) multiplies
// in bf16 and accumulates in f32 (vdpbf16ps: two bf16 products per f32 lane, twice the
// f32 FMA's multiply-adds per instruction; the weights take half the bytes):
//
//   B: rounded to bf16 (nearest even) and packed at compile time into
//      [1][ceil(N/cols)][ceil(K/2)][cols * 2] (row k2 of a panel: cols columns x the two
//      consecutive k 2 k2, 2 k2 + 1; the last, odd k padded with zero);
//   A: a pre-pass writes each of its rows, read through A's map (so a convolution's
//      window is gathered here, an im2col in bf16), as bf16 [batch][M][K rounded up to
//      even], zero-padded;
//   scf.parallel over (batch, column panel, row tile) {
//     acc[r][v] = init (C, or the value C was filled with)
//     for k2: b[v] = 32 bf16 of the panel row; for r: a = A's pair (2 k2, 2 k2 + 1) of
//             row r broadcast as one i32; acc[r][v] = vdpbf16ps(acc[r][v], a, b[v])
//     store epilogue(acc), columns past N masked, rows past M not
//   }
//
// Where the target has AMX the same buffers feed the tile unit instead (K padded to a
// multiple of 32, A's rows to one of 32): per (batch, column panel, block of 32 rows), C
// is 2 x 2 tiles of 16 x 16 f32 kept in a 32 x 32 scratch buffer between chunks of k, each
// step of 32 k loads two A tiles (16 rows x 32 bf16) and two B tiles (16 k pairs x 16
// columns) and runs four tdpbf16ps; the epilogue then reads the scratch rows as vectors.
// Linux grants the tile state only on request (arch_prctl ARCH_REQ_XCOMP_PERM, asked once
// by the glue's kiln_rt_amx_enabled); where it is refused the vdpbf16ps tiles run.
//
// Only the contraction's operands are rounded: accumulation, C, the epilogue and every
// other op stay f32.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace kiln::cpu {
namespace {

constexpr int64_t kLanes = 16; // f32 lanes of a zmm register

/// f32 to bf16 bits, rounding to nearest even (NaNs stay quiet NaNs).
uint16_t toBf16(float value) {
  uint32_t bits = llvm::bit_cast<uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

class Bf16Emitter {
public:
  Bf16Emitter(OpBuilder &b, ModuleOp module, const Contraction &ct, const Epilogue *epi,
              const TileShape &tile)
      : b(b), loc(ct.op->getLoc()), module(module), ct(ct), epi(epi), tile(tile),
        amx(tile.amx) {}

  /// Packs B (false, nothing emitted: B is not a constant this kernel can pack).
  bool packB();
  void emit();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
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
  Value mask(Value left, int64_t lanes) {
    return vector::CreateMaskOp::create(b, loc, VectorType::get({lanes}, b.getI1Type()),
                                        ValueRange{left});
  }
  /// `map` at batch `bIv`, rows `mIv`, column `n` and k indices `kIv` (unused ones may be
  /// empty or null).
  SmallVector<Value> indices(AffineMap map, ArrayRef<Value> bIv, ArrayRef<Value> mIv, Value n,
                             ArrayRef<Value> kIv) {
    SmallVector<Value> iv(ct.numLoops);
    for (auto [d, v] : llvm::zip(ct.batch, bIv))
      iv[d] = v;
    for (auto [d, v] : llvm::zip(ct.m, mIv))
      iv[d] = v;
    iv[ct.n] = n;
    for (auto [d, v] : llvm::zip(ct.k, kIv))
      iv[d] = v;
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults())
      result.push_back(emitIndex(b, loc, e, iv));
    return result;
  }

  /// How many of the innermost k dims (at least 1) A lays out as one run of
  /// consecutive elements: each one's stride in A is the next one's stride times its size.
  int64_t contiguousTrailingKDims();
  /// Sets vectorized, runDims and runLength: how the rows of A are read.
  void planRuns();
  /// Rounds row `row` (of the m dims) of batch `bLin` of A to bf16 into
  /// dest[prefix..., 0 : kTotal).
  void convertRow(Value bLin, Value row, Value dest, ArrayRef<Value> prefix);
  /// Zeroes dest[prefix..., kTotal : kPadded).
  void zeroPadding(Value dest, ArrayRef<Value> prefix);
  /// The pre-pass: every row of A into rowsA.
  void convertA();
  void emitTiles();
  /// The AMX blocks; `fused`: each rounds its rows of A itself (no pre-pass).
  void emitAmxTiles(bool fused);
  /// The tile's sums stored through the epilogue: value(r, v) is row r's vector v.
  void storeRows(ArrayRef<Value> bIv, Value i0, int64_t rows, ArrayRef<Value> col,
                 ArrayRef<Value> masks, llvm::function_ref<Value(int64_t, int64_t)> value);

  OpBuilder &b;
  Location loc;
  ModuleOp module;
  const Contraction &ct;
  const Epilogue *epi;
  TileShape tile;

  SmallVector<int64_t> kSizes; ///< static, in ct.k order
  bool amx;
  int64_t kTotal = 0, k2Count = 0;
  int64_t kPadded = 0; ///< A's row length: K rounded up to 2 (32 with AMX)
  bool vectorized = false; ///< A's rows are read in vectors (A contiguous along k)
  int64_t runDims = 1;     ///< innermost k dims read as one run of consecutive elements
  int64_t runLength = 1;   ///< elements in that run
  SmallVector<Value> batchSizes, mSizes;
  Value batch, mSize, nSize, panels;
  Value packed; ///< [1][panels][k2Count][cols * 2] bf16
  Value rowsA;  ///< [batch][M (rounded up to 32 with AMX)][kPadded] bf16
};

bool Bf16Emitter::packB() {
  auto type = cast<MemRefType>(ct.b.getType());
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !ct.mapB.isProjectedPermutation() || ct.mapB.getNumResults() != ct.k.size() + 1)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  SmallVector<int64_t> kStrides;
  for (int64_t d : ct.k) {
    std::optional<unsigned> pos = ct.mapB.getResultPosition(b.getAffineDimExpr(d));
    if (!pos)
      return false;
    kStrides.push_back(strides[*pos]);
    kSizes.push_back(type.getDimSize(*pos));
  }
  std::optional<unsigned> nPos = ct.mapB.getResultPosition(b.getAffineDimExpr(ct.n));
  if (!nPos)
    return false;
  int64_t nStride = strides[*nPos], n = type.getDimSize(*nPos);
  std::vector<float> storage;
  std::optional<ArrayRef<float>> data = constantData(ct.b, module, storage);
  if (!data)
    return false;
  kTotal = 1;
  for (int64_t s : kSizes)
    kTotal *= s;
  int64_t cols = tile.cols();
  k2Count = (kTotal + 1) / 2;
  kPadded = amx ? (kTotal + 31) / 32 * 32 : 2 * k2Count;
  int64_t panelCount = (n + cols - 1) / cols, k2Rows = kPadded / 2;
  std::vector<uint16_t> out(panelCount * k2Rows * cols * 2, 0);
  for (int64_t k = 0; k < kTotal; ++k) {
    int64_t kOffset = 0;
    for (int64_t d = kSizes.size() - 1, rest = k; d >= 0; --d) {
      kOffset += rest % kSizes[d] * kStrides[d];
      rest /= kSizes[d];
    }
    for (int64_t nn = 0; nn < n; ++nn)
      out[(((nn / cols) * k2Rows + k / 2) * cols + nn % cols) * 2 + k % 2] =
          toBf16((*data)[kOffset + nn * nStride]);
  }
  std::string name = "__kiln_bf16_packed";
  for (int i = 0; module.lookupSymbol(name); ++i)
    name = "__kiln_bf16_packed_" + std::to_string(i);
  auto packedType = MemRefType::get({1, panelCount, k2Rows, cols * 2}, b.getBF16Type());
  OpBuilder mb(module.getBodyRegion());
  mb.setInsertionPointToStart(module.getBody());
  auto attr = DenseResourceElementsAttr::get(
      RankedTensorType::get(packedType.getShape(), b.getBF16Type()), name,
      HeapAsmResourceBlob::allocateAndCopyInferAlign<uint16_t>(out));
  memref::GlobalOp::create(mb, loc, name, mb.getStringAttr("private"), packedType, attr,
                           /*constant=*/true, mb.getI64IntegerAttr(64));
  packed = memref::GetGlobalOp::create(b, loc, packedType, name);
  return true;
}

int64_t Bf16Emitter::contiguousTrailingKDims() {
  auto type = cast<MemRefType>(ct.a.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return 1;
  // Each k dim's step in A's elements, from the strides of the A dims it indexes.
  SmallVector<int64_t> step(ct.k.size(), 0);
  for (auto [r, e] : llvm::enumerate(ct.mapA.getResults())) {
    std::optional<SmallVector<int64_t>> coeffs = linearCoefficients(e, ct.numLoops);
    if (!coeffs)
      return 1;
    for (auto [i, d] : llvm::enumerate(ct.k))
      step[i] += (*coeffs)[d] * strides[r];
  }
  int64_t count = ct.k.size();
  if (step[count - 1] != 1)
    return 1;
  int64_t dims = 1;
  while (dims < count && step[count - dims - 1] == step[count - dims] * kSizes[count - dims])
    ++dims;
  return dims;
}

void Bf16Emitter::planRuns() {
  // The innermost k dim runs in vectors when A is contiguous along it, with the k dims
  // before it whose elements follow on in A (a convolution's kw and c in NHWC: a 7x7
  // window over 3 channels reads 7 runs of 21 floats, not 49 of 3).
  vectorized = endsWithDim(ct.mapA, ct.k.back()) && innermostContiguous(ct.a);
  runDims = vectorized ? contiguousTrailingKDims() : 1;
  runLength = 1;
  for (int64_t s : ArrayRef(kSizes).take_back(runDims))
    runLength *= s;
}

void Bf16Emitter::convertRow(Value bLin, Value row, Value dest, ArrayRef<Value> prefix) {
  Type bf16 = b.getBF16Type();
  SmallVector<Value> bIv = delinearize(bLin, batchSizes);
  SmallVector<Value> mIv = delinearize(row, mSizes);
  SmallVector<Value> outerSizes;
  for (int64_t s : ArrayRef(kSizes).drop_back(runDims))
    outerSizes.push_back(index(s));
  OpBuilder::InsertionGuard g(b);
  auto outerLoop = scf::ForOp::create(b, loc, index(0), index(kTotal / runLength), index(1));
  b.setInsertionPointToStart(outerLoop.getBody());
  Value o = outerLoop.getInductionVar();
  SmallVector<Value> kIv = outerSizes.empty() ? SmallVector<Value>{} : delinearize(o, outerSizes);
  Value rowStart = mul(o, index(runLength));
  int64_t width = vectorized ? kLanes : 1;
  auto innerLoop = scf::ForOp::create(b, loc, index(0), index(runLength), index(width));
  b.setInsertionPointToStart(innerLoop.getBody());
  Value c = innerLoop.getInductionVar();
  // The run starts at its k dims' 0 and goes on through memory.
  SmallVector<Value> k = kIv;
  for (int64_t d = 1; d < runDims; ++d)
    k.push_back(index(0));
  k.push_back(c);
  SmallVector<Value> at(prefix);
  at.push_back(add(rowStart, c));
  SmallVector<Value> src = indices(ct.mapA, bIv, mIv, Value(), k);
  if (!vectorized) {
    Value value = memref::LoadOp::create(b, loc, ct.a, src);
    memref::StoreOp::create(b, loc, arith::TruncFOp::create(b, loc, bf16, value), dest, at);
    return;
  }
  Value m = mask(sub(index(runLength), c), kLanes);
  Value value = loadVector(b, loc, ct.a, src, kLanes, m);
  Value rounded = arith::TruncFOp::create(b, loc, VectorType::get({kLanes}, bf16), value);
  vector::MaskedStoreOp::create(b, loc, dest, at, m, rounded);
}

void Bf16Emitter::zeroPadding(Value dest, ArrayRef<Value> prefix) {
  // The padding of K multiplies B's zero padding: zero it (an uninitialized NaN would
  // still poison the sum).
  auto type = VectorType::get({kLanes}, b.getBF16Type());
  Value zero = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  for (int64_t k = kTotal; k < kPadded; k += kLanes) {
    SmallVector<Value> at(prefix);
    at.push_back(index(k));
    vector::MaskedStoreOp::create(b, loc, dest, at, mask(index(kPadded - k), kLanes), zero);
  }
}

void Bf16Emitter::convertA() {
  Type bf16 = b.getBF16Type();
  // With AMX the rows past M (to a multiple of 32) are read by the last tiles but only
  // feed C rows that are not stored.
  Value rowCount = amx ? mul(ceilDiv(mSize, 32), index(32)) : mSize;
  rowsA = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, kPadded}, bf16),
      ValueRange{batch, rowCount}, b.getI64IntegerAttr(64));
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{mul(batch, mSize)}, ValueRange{index(1)},
      [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        SmallVector<Value> parts = delinearize(ivs[0], {batch, mSize});
        convertRow(parts[0], parts[1], rowsA, parts);
        zeroPadding(rowsA, parts);
      });
}

void Bf16Emitter::emitTiles() {
  int64_t rows = tile.rows, cols = tile.cols();
  Type bf16 = b.getBF16Type(), f32 = b.getF32Type(), i32 = b.getI32Type();
  auto v2bf16 = VectorType::get({2}, bf16), v32bf16 = VectorType::get({2 * kLanes}, bf16);
  auto v16f32 = VectorType::get({kLanes}, f32);
  auto v1i32 = VectorType::get({1}, i32), v16i32 = VectorType::get({kLanes}, i32);
  Value rowTiles = ceilDiv(mSize, rows);
  // Called by name, as Int8Kernel.cpp calls vpdpbusd (see there why not
  // llvm.call_intrinsic).
  constexpr StringLiteral dpbf16ps = "llvm.x86.avx512bf16.dpbf16ps.512";
  if (!module.lookupSymbol(dpbf16ps)) {
    OpBuilder mb(module.getBodyRegion());
    mb.setInsertionPointToEnd(module.getBody());
    auto decl = func::FuncOp::create(mb, loc, dpbf16ps,
                                     mb.getFunctionType({v16f32, v32bf16, v32bf16}, {v16f32}));
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
        Value mLast = sub(mSize, index(1));
        SmallVector<Value> rowIndex(rows), clamped(rows);
        for (int64_t r = 0; r < rows; ++r) {
          rowIndex[r] = add(i0, index(r));
          clamped[r] = arith::MinUIOp::create(b, loc, rowIndex[r], mLast);
        }
        SmallVector<Value> col(tile.vectors), masks(tile.vectors);
        for (int64_t v = 0; v < tile.vectors; ++v) {
          col[v] = add(j0, index(v * kLanes));
          masks[v] = mask(sub(nSize, col[v]), kLanes);
        }
        // C's rows are read (when it is not a fill) with the m-dim indices.
        SmallVector<SmallVector<Value>> mIv(rows);
        for (int64_t r = 0; r < rows; ++r)
          mIv[r] = delinearize(clamped[r], mSizes);
        SmallVector<Value> init;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t v = 0; v < tile.vectors; ++v) {
            if (ct.initValue)
              init.push_back(arith::ConstantOp::create(
                  b, loc, v16f32, SplatElementsAttr::get(v16f32, *ct.initValue)));
            else
              init.push_back(loadVector(b, loc, ct.c, indices(ct.mapC, bIv, mIv[r], col[v], {}),
                                        kLanes, masks[v]));
          }
        auto loop = scf::ForOp::create(
            b, loc, index(0), index(k2Count), index(1), init,
            [&](OpBuilder &lb, Location, Value k2, ValueRange acc) {
              OpBuilder::InsertionGuard g(b);
              b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
              SmallVector<Value> bv(tile.vectors);
              for (int64_t v = 0; v < tile.vectors; ++v)
                bv[v] = vector::LoadOp::create(b, loc, v32bf16, packed,
                                               ValueRange{index(0), jp, k2, index(v * 2 * kLanes)});
              Value k = mul(k2, index(2));
              SmallVector<Value> next(acc.begin(), acc.end());
              for (int64_t r = 0; r < rows; ++r) {
                Value pair =
                    vector::LoadOp::create(b, loc, v2bf16, rowsA, ValueRange{bLin, clamped[r], k});
                Value word = vector::BitCastOp::create(b, loc, v1i32, pair);
                Value splat = vector::BitCastOp::create(
                    b, loc, v32bf16, vector::BroadcastOp::create(b, loc, v16i32, word));
                for (int64_t v = 0; v < tile.vectors; ++v) {
                  Value &slot = next[r * tile.vectors + v];
                  slot = func::CallOp::create(b, loc, dpbf16ps, TypeRange{v16f32},
                                              ValueRange{slot, splat, bv[v]})
                             .getResult(0);
                }
              }
              scf::YieldOp::create(b, loc, next);
            });
        storeRows(bIv, i0, rows, col, masks,
                  [&](int64_t r, int64_t v) { return loop.getResult(r * tile.vectors + v); });
      });
}

void Bf16Emitter::storeRows(ArrayRef<Value> bIv, Value i0, int64_t rows, ArrayRef<Value> col,
                            ArrayRef<Value> masks,
                            llvm::function_ref<Value(int64_t, int64_t)> value) {
  Value out = epi ? epi->output : ct.c;
  AffineMap outMap = epi && epi->outputMap ? epi->outputMap : ct.mapC;
  for (int64_t r = 0; r < rows; ++r) {
    OpBuilder::InsertionGuard g(b);
    Value row = add(i0, index(r));
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, mSize);
    b.setInsertionPointToStart(scf::IfOp::create(b, loc, inside).thenBlock());
    SmallVector<Value> mIv = delinearize(row, mSizes);
    for (size_t v = 0; v < col.size(); ++v) {
      Value result = value(r, v);
      if (epi)
        result = emitVectorEpilogue(b, loc, *epi, result, ct.n, kLanes, masks[v],
                                    [&](AffineMap m) { return indices(m, bIv, mIv, col[v], {}); });
      storeVector(b, loc, result, out, indices(outMap, bIv, mIv, col[v], {}), masks[v]);
    }
  }
}

void Bf16Emitter::emitAmxTiles(bool fused) {
  constexpr int64_t block = 32; // rows and columns of C per iteration: 2 x 2 tiles
  Type bf16 = b.getBF16Type(), f32 = b.getF32Type();
  auto v16f32 = VectorType::get({kLanes}, f32);
  auto abType = amx::TileType::get({16, 32}, bf16), cType = amx::TileType::get({16, 16}, f32);
  int64_t steps = kPadded / 32;
  Value rowBlocks = ceilDiv(mSize, block);
  // A block of A's rows rounded on the stack, once per row block: hot in L1 or L2 for
  // its panels, where the pre-pass's whole copy went through memory.
  auto roundBlock = [&](Value bLin, Value rowBlock) -> Value {
    return emitAmxRowBlock(b, loc, MemRefType::get({block, kPadded}, bf16),
                           mul(rowBlock, index(block)), mSize,
                           [&](Value row, Value r, Value blockA) {
                             convertRow(bLin, row, blockA, {r});
                             zeroPadding(blockA, {r});
                           });
  };
  emitAmxBlocks(
      b, loc, batch, panels, rowBlocks, index(kPadded * block * 2), f32,
      fused ? llvm::function_ref<Value(Value, Value)>(roundBlock) : nullptr,
      [&](Value bLin, Value jp, Value rowBlock, Value scratch, Value blockA) {
        SmallVector<Value> bIv = delinearize(bLin, batchSizes);
        Value i0 = mul(rowBlock, index(block)), j0 = mul(jp, index(block));
        SmallVector<Value> col(2), masks(2);
        for (int64_t v = 0; v < 2; ++v) {
          col[v] = add(j0, index(v * kLanes));
          masks[v] = mask(sub(nSize, col[v]), kLanes);
        }
        // C's initial value into the scratch (rows past M read row M - 1).
        Value mLast = sub(mSize, index(1));
        bool zeroInit = isZeroInit(ct.initValue);
        for (int64_t r = 0; r < block && !zeroInit; ++r) {
          Value row = arith::MinUIOp::create(b, loc, add(i0, index(r)), mLast);
          SmallVector<Value> mIv = ct.initValue ? SmallVector<Value>{} : delinearize(row, mSizes);
          for (int64_t v = 0; v < 2; ++v) {
            Value init =
                ct.initValue
                    ? arith::ConstantOp::create(b, loc, v16f32,
                                                SplatElementsAttr::get(v16f32, *ct.initValue))
                          .getResult()
                    : loadVector(b, loc, ct.c, indices(ct.mapC, bIv, mIv, col[v], {}), kLanes,
                                 masks[v]);
            vector::StoreOp::create(b, loc, init, scratch, ValueRange{index(r), index(v * kLanes)});
          }
        }
        // `count` steps of 32 k from step `first`, C's tiles in registers between the
        // scratch's load and store.
        emitAmxBlockSteps(
            b, loc, scratch, index(steps), zeroInit, abType, cType, fused ? blockA : rowsA,
            [&](int64_t h, Value step) -> SmallVector<Value> {
              if (fused)
                return {index(h * 16), mul(step, index(32))};
              return {bLin, add(i0, index(h * 16)), mul(step, index(32))};
            },
            packed,
            [&](int64_t h, Value step) -> SmallVector<Value> {
              return {index(0), jp, mul(step, index(16)), index(h * 32)};
            },
            [&](Value a, Value bt, Value c) -> Value {
              return amx::TileMulFOp::create(b, loc, cType, a, bt, c);
            });
        storeRows(bIv, i0, block, col, masks, [&](int64_t r, int64_t v) {
          return vector::LoadOp::create(b, loc, v16f32, scratch,
                                        ValueRange{index(r), index(v * kLanes)})
              .getResult();
        });
      });
}

void Bf16Emitter::emit() {
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
  panels = ceilDiv(nSize, tile.cols());
  planRuns();
  if (!amx) {
    convertA();
    emitTiles();
    return;
  }
  // AMX where the OS grants the tile state, else the vdpbf16ps tiles. A block of 32
  // rows of A of up to 128 KiB is rounded on the stack by the block that uses it (the
  // fallback then makes its own pre-pass: a heap buffer, as it is not at the top level
  // the arena plans); a longer one by the pre-pass both read.
  constexpr int64_t maxBlockBytes = 128 << 10;
  if (32 * kPadded * 2 <= maxBlockBytes) {
    emitAmxOrFallback(
        b, module, loc, [&] { emitAmxTiles(/*fused=*/true); },
        [&] {
          convertA();
          emitTiles();
        });
    return;
  }
  convertA();
  emitAmxOrFallback(
      b, module, loc, [&] { emitAmxTiles(/*fused=*/false); }, [&] { emitTiles(); });
}

} // namespace

bool emitBf16Contraction(OpBuilder &builder, ModuleOp module, const Contraction &ct,
                         const Epilogue *epilogue, const TileShape &tile) {
  assert(tile.width == kLanes && "the BF16 kernel works on 16 f32 lanes");
  for (Value v : {ct.a, ct.b, ct.c})
    if (!cast<MemRefType>(v.getType()).getElementType().isF32())
      return false;
  // Panels of 32 columns: AMX's B tiles are their two halves (the vdpbf16ps tiles use
  // the same packing).
  TileShape shape = tile;
  shape.vectors = 2;
  Bf16Emitter emitter(builder, module, ct, epilogue, shape);
  if (!emitter.packB())
    return false;
  emitter.emit();
  return true;
}

} // namespace kiln::cpu
