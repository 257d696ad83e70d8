//===- MicroKernel.cpp - Register-tiled vector code for a contraction ------===//
//
// The generated code for C[b, m, n] += A[b, m, k] * B[b, k, n]:
//
//   scf.parallel %t over batch x row groups x ceil(N / cols) x group tiles {
//     (a row group's A rows stay in L2 while every B panel passes over them; each B
//     panel is reused by the group's tiles in a row)
//     if the tile is whole: tile(unmasked) else: tile(columns masked, rows clamped),
//     or a one-row tile when a single row is left (M = 1: a GEMV)
//   }
//   tile: acc[rows][vectors] = init (C, or the value C was filled with)
//         for k: b[v] = B[k, j0 + v*width ...] (a packed panel row when B is constant;
//                the group's last tile, or in a group of at most 16 every tile a share
//                of the rows, also requests a row of the next panel to L2,
//                and with one m dim every tile requests the next tile's A rows to L2)
//                for r: acc[r][v] = fma(broadcast(A[i0 + r, k]), b[v], acc[r][v])
//         store epilogue(acc) (or acc) to the output
//
// With a 4-bit B (Int4Weights.cpp) each parallel step is one panel and a row group of up
// to 8 tiles: the panel is dequantized once into an f32 scratch panel that the tiles read
// as a packed B; a group of one tile (a GEMV) dequantizes each row in its k loop instead.
//
// The accumulators are loop-carried SSA vectors, so LLVM keeps them in registers
// (rows * vectors of them: 16 zmm for the 8 x 32 AVX-512 tile).
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <functional>

using namespace mlir;

namespace kiln::cpu {
namespace {

/// A-row bytes a row group may hold (half of the 2 MiB L2 of current x86 server cores).
constexpr int64_t kGroupBytes = 1 << 20;

class TileEmitter {
public:
  TileEmitter(OpBuilder &b, const Contraction &ct, const Epilogue *epi, const TileShape &tile)
      : b(b), loc(ct.op->getLoc()), ct(ct), epi(epi), tile(tile) {}

  void emit();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// `map` (over the contraction's iteration dims) applied to the tile's current
  /// iteration values; dims the operand does not use may be null.
  SmallVector<Value> indices(AffineMap map, ArrayRef<Value> batchIv, ArrayRef<Value> rowIv,
                             Value j, ArrayRef<Value> kIv) {
    SmallVector<Value> iv(ct.numLoops);
    for (auto [d, v] : llvm::zip(ct.batch, batchIv))
      iv[d] = v;
    for (auto [d, v] : llvm::zip(ct.m, rowIv))
      iv[d] = v;
    iv[ct.n] = j;
    for (auto [d, v] : llvm::zip(ct.k, kIv))
      iv[d] = v;
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults())
      result.push_back(evaluate(e, iv));
    return result;
  }

  /// Indices into the packed B: the batch element (ct.packedBatch's dims of `batchIv`),
  /// then panel, row and column.
  SmallVector<Value> packedIndex(ArrayRef<Value> batchIv, Value panel, Value row, Value col) {
    SmallVector<Value> result;
    for (int64_t d : ct.packedBatch)
      result.push_back(batchIv[llvm::find(ct.batch, d) - ct.batch.begin()]);
    result.append({panel, row, col});
    return result;
  }

  Value evaluate(AffineExpr e, ArrayRef<Value> iv) { return emitIndex(b, loc, e, iv); }
  SmallVector<Value> delinearize(Value linear, ArrayRef<Value> sizes) {
    return emitDelinearize(b, loc, linear, sizes);
  }

  Value loadVector(Value memref, ValueRange idx, Value mask) {
    return kiln::cpu::loadVector(b, loc, memref, idx, tile.width, mask);
  }

  void storeVector(Value value, Value memref, ValueRange idx, Value mask) {
    kiln::cpu::storeVector(b, loc, value, memref, idx, mask);
  }

  /// For k row `k` of a 4-bit B: its packed row pair, the nibble's shift (a vector) and
  /// its block of scales.
  std::tuple<Value, Value, Value> int4Row(Value k) {
    Value pair = arith::ShRUIOp::create(b, loc, k, index(1));
    Value odd = arith::AndIOp::create(b, loc, k, index(1));
    Value bits = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                            arith::MulIOp::create(b, loc, odd, index(4)));
    Value shift = vector::BroadcastOp::create(
        b, loc, VectorType::get({tile.width}, b.getI32Type()), bits);
    Value blockRow = arith::DivUIOp::create(b, loc, k, index(ct.int4Block));
    return {pair, shift, blockRow};
  }

  /// `tile.width` columns from `col` of a 4-bit packed B's row `pair`, the nibbles at
  /// `shift`, as f32: nibble * scale + offset of block `blockRow`.
  Value loadInt4(ArrayRef<Value> batchIv, Value panel, Value pair, Value shift, Value blockRow,
                 Value col) {
    auto i32Type = VectorType::get({tile.width}, b.getI32Type());
    Value bytes = loadVector(ct.packedB, packedIndex(batchIv, panel, pair, col), Value());
    Value wide = arith::ExtUIOp::create(b, loc, i32Type, bytes);
    Value fifteen = arith::ConstantOp::create(
        b, loc, i32Type, SplatElementsAttr::get(i32Type, b.getI32IntegerAttr(15)));
    Value nibble = arith::AndIOp::create(b, loc, arith::ShRUIOp::create(b, loc, wide, shift),
                                         fifteen);
    auto f32Type = VectorType::get({tile.width}, b.getF32Type());
    Value value = arith::SIToFPOp::create(b, loc, f32Type, nibble);
    Value scale = loadVector(ct.int4Scales, {panel, blockRow, col}, Value());
    Value offset = loadVector(ct.int4Offsets, {panel, blockRow, col}, Value());
    return vector::FMAOp::create(b, loc, value, scale, offset);
  }

  /// The m-dim indices of the row after `row` (row-major over mSizes, outermost first).
  SmallVector<Value> nextRow(ArrayRef<Value> row) {
    SmallVector<Value> next(row);
    Value carry; // null: the innermost dim is incremented
    for (int64_t d = row.size() - 1; d >= 0; --d) {
      Value bumped = arith::AddIOp::create(b, loc, row[d], index(1));
      Value wraps = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, bumped, mSizes[d]);
      Value value = arith::SelectOp::create(b, loc, wraps, index(0), bumped);
      if (carry) {
        value = arith::SelectOp::create(b, loc, carry, value, row[d]);
        wraps = arith::AndIOp::create(b, loc, carry, wraps);
      }
      next[d] = value;
      carry = wraps;
    }
    return next;
  }

  /// The epilogue's body on vectors: `acc` stands for C's element.
  Value applyEpilogue(Value acc, ArrayRef<Value> batchIv, ArrayRef<Value> rowIv, Value j,
                      Value mask);

  /// The tile at rows from `i0` and columns from `j0` (B's panel `jp`), whole or partial.
  void emitTileAt(ArrayRef<Value> batchIv, Value i0, Value j0, Value jp, Value mSize,
                  Value nSize);

  /// A 4-bit B's panel `jp` dequantized into a new f32 panel [1][K][cols] (the tiles of a
  /// row group then read it as a packed f32 B).
  Value dequantizePanel(ArrayRef<Value> batchIv, Value jp);

  /// The 4-bit B's parallel loop (see emitInt4's body).
  void emitInt4(Value batch, ArrayRef<Value> batchSizes, Value rowTiles, Value rowGroups,
                Value colTiles, Value mSize, Value nSize, Value group);

  /// One register tile at rows [i0, i0 + tile.rows), columns [j0, j0 + cols). A partial
  /// tile (`colsLeft` and `mSize` set) masks the columns past N and reads the rows past M
  /// from row M - 1 without storing them: one code path for every edge.
  void emitTile(ArrayRef<Value> batchIv, Value i0, Value j0, Value jp, Value colsLeft,
                Value mSize);

  OpBuilder &b;
  Location loc;
  Contraction ct;
  const Epilogue *epi;
  TileShape tile;
  SmallVector<Value> kSizes, mSizes;
  /// With a packed B: whether this tile requests the next panel's rows as it reads its
  /// own (an i1; null: never), and that panel.
  Value prefetchNext, nextPanel;
  /// The next panel's row a tile requests at packed row k: min(requestBase + (k >>
  /// requestShift), K - 1) (see emit()).
  Value requestBase, requestShift, kLast;
  /// Set while a tile is emitted on the branch where prefetchNext holds: its k loop
  /// requests the next panel without testing it.
  bool requestNextPanel = false;
  /// Whether tiles request the next tile's A rows to L2 as their k loop runs.
  bool prefetchA = false;
  /// A's elements per cache line along the innermost k dim when A is contiguous along
  /// it (a power of two), else 1: the k steps between two requests for a row of A.
  int64_t aLineElements = 1;

  int64_t elementsPerLineAlongK() const {
    auto type = dyn_cast<MemRefType>(ct.a.getType());
    if (!type || ct.k.empty() || ct.mapA.getNumResults() == 0)
      return 1;
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1 ||
        ct.mapA.getResults().back() != getAffineDimExpr(ct.k.back(), ct.op->getContext()))
      return 1;
    int64_t bytes = type.getElementTypeBitWidth() / 8;
    if (bytes <= 0 || bytes > 64 || 64 % bytes != 0)
      return 1;
    return 64 / bytes;
  }
  /// M: the product of the m dims' sizes.
  Value mTotal;
  /// Whether tiles run row by row (a short K; B fits in a row group's share of L2).
  Value rowByRow;
  /// The epilogue's inputs with a line per row of C (a residual), with their maps.
  SmallVector<std::pair<Value, AffineMap>> rowInputs() const;
  /// Whether N may end in a partial column panel.
  bool nPartial = true;
};

SmallVector<std::pair<Value, AffineMap>> TileEmitter::rowInputs() const {
  SmallVector<std::pair<Value, AffineMap>> found;
  if (!epi)
    return found;
  AffineExpr nExpr = getAffineDimExpr(ct.n, ct.op->getContext());
  for (auto [q, input] : llvm::enumerate(epi->inputs)) {
    AffineMap map = epi->inputMaps[q];
    // Not a bias: that is the same few lines for every tile.
    bool perRow = llvm::any_of(ct.m, [&](int64_t d) { return map.isFunctionOfDim(d); });
    if (q != epi->cInput && perRow && map.getNumResults() > 0 &&
        map.getResults().back() == nExpr)
      found.push_back({input, map});
  }
  return found;
}

Value TileEmitter::applyEpilogue(Value acc, ArrayRef<Value> batchIv, ArrayRef<Value> rowIv,
                                 Value j, Value mask) {
  return emitVectorEpilogue(b, loc, *epi, acc, ct.n, tile.width, mask, [&](AffineMap m) {
    return indices(m, batchIv, rowIv, j, {});
  });
}

void TileEmitter::emitTile(ArrayRef<Value> bb, Value i0, Value j0, Value jp, Value colsLeft,
                           Value mSize) {
  int64_t rows = tile.rows;
  // f32 (vector FMAs) or i32 (multiply and add: integer matmuls and convolutions of
  // widened 8-bit operands, which sum exactly).
  Type elementType = cast<MemRefType>(ct.c.getType()).getElementType();
  auto vecType = VectorType::get({tile.width}, elementType);
  SmallVector<Value> masks(tile.vectors), col(tile.vectors);
  SmallVector<SmallVector<Value>> row(rows);
  for (int64_t v = 0; v < tile.vectors; ++v) {
    col[v] = arith::AddIOp::create(b, loc, j0, index(v * tile.width));
    if (colsLeft) {
      Value left = arith::SubIOp::create(b, loc, colsLeft, index(v * tile.width));
      masks[v] = vector::CreateMaskOp::create(
          b, loc, VectorType::get({tile.width}, b.getI1Type()), ValueRange{left});
    }
  }
  SmallVector<Value> rowIndex(rows);
  for (int64_t r = 0; r < rows; ++r) {
    rowIndex[r] = arith::AddIOp::create(b, loc, i0, index(r));
    if (r > 0 && mSizes.size() > 1) {
      // Several m dims (a convolution's oh, ow): the row after the previous one, by
      // carries instead of divisions (a split by run-time sizes divides for real, and a
      // small-K tile spends more on that than on its FMAs). Rows past M (an edge tile)
      // repeat row M - 1, as the clamp below does.
      SmallVector<Value> next = nextRow(row[r - 1]);
      if (mSize) {
        Value inside =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, rowIndex[r], mSize);
        for (auto [n, p] : llvm::zip(next, row[r - 1]))
          n = arith::SelectOp::create(b, loc, inside, n, p);
      }
      row[r] = next;
      continue;
    }
    Value clamped = rowIndex[r];
    if (mSize)
      clamped = arith::MinUIOp::create(b, loc, clamped,
                                       arith::SubIOp::create(b, loc, mSize, index(1)));
    row[r] = delinearize(clamped, mSizes);
  }

  SmallVector<Value> init;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t v = 0; v < tile.vectors; ++v) {
      if (ct.initValue)
        init.push_back(arith::ConstantOp::create(
            b, loc, vecType, SplatElementsAttr::get(vecType, *ct.initValue)));
      else
        init.push_back(
            loadVector(ct.c, indices(ct.mapC, bb, row[r], col[v], {}), masks[v]));
    }

  // The tile's lines of the epilogue's vector inputs (a residual) and of the output are
  // requested now, so that they arrive while the k loop runs instead of stalling the
  // stores after it (a 56x56x256 residual lives in L3, not L2).
  Value out = epi ? epi->output : ct.c;
  AffineMap outMap = epi && epi->outputMap ? epi->outputMap : ct.mapC;
  auto prefetch = [&](Value memref, AffineMap map, bool write) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < tile.vectors; ++v)
        memref::PrefetchOp::create(b, loc, memref, indices(map, bb, row[r], col[v], {}), write,
                                   /*localityHint=*/3, /*isDataCache=*/true);
  };
  for (auto [input, map] : rowInputs())
    prefetch(input, map, /*write=*/false);
  prefetch(out, outMap, /*write=*/true);
  // The next tile's A rows, requested as this tile's k loop runs (tiles of whole rows
  // only; the last one requests its own). One base and constant offsets, which LLVM
  // folds into the addresses: a register per row spilled the k loop's.
  SmallVector<SmallVector<Value>> nextRows;
  if (prefetchA && !mSize) {
    Value base = arith::MinUIOp::create(b, loc, arith::AddIOp::create(b, loc, i0, index(rows)),
                                        arith::SubIOp::create(b, loc, mTotal, index(rows)));
    for (int64_t r = 0; r < rows; ++r)
      nextRows.push_back({arith::AddIOp::create(b, loc, base, index(r))});
  }

  // One loop per k dim, outermost first; the innermost does the FMAs. `kLinear` is the
  // row of the packed B panel.
  std::function<SmallVector<Value>(size_t, SmallVector<Value>, Value, ValueRange)> reduce =
      [&](size_t level, SmallVector<Value> kIv, Value kLinear, ValueRange acc) {
        auto loop = scf::ForOp::create(
            b, loc, index(0), kSizes[level], index(1), acc,
            [&](OpBuilder &nb, Location, Value k, ValueRange inner) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
              SmallVector<Value> ivs = kIv;
              ivs.push_back(k);
              Value linear = arith::AddIOp::create(
                  b, loc, arith::MulIOp::create(b, loc, kLinear, kSizes[level]), k);
              if (level + 1 < kSizes.size()) {
                scf::YieldOp::create(b, loc, reduce(level + 1, ivs, linear, inner));
                return;
              }
              // 4-bit B: the packed row holding k (two k rows per byte), the nibble's
              // shift and k's block of scales.
              Value pair, shift, blockRow;
              if (ct.int4Scales)
                std::tie(pair, shift, blockRow) = int4Row(linear);
              if (prefetchNext) {
                OpBuilder::InsertionGuard g(b);
                if (!requestNextPanel)
                  b.setInsertionPointToStart(
                      scf::IfOp::create(b, loc, prefetchNext).thenBlock());
                // A 4-bit panel row is one line (cols bytes).
                Value row = pair;
                if (!row)
                  row = arith::MinUIOp::create(
                      b, loc,
                      arith::AddIOp::create(b, loc, requestBase,
                                            arith::ShRUIOp::create(b, loc, linear, requestShift)),
                      kLast);
                for (int64_t v = 0; v < (ct.int4Scales ? 1 : tile.vectors); ++v)
                  memref::PrefetchOp::create(b, loc, ct.packedB,
                                             packedIndex(bb, nextPanel, row,
                                                         index(v * tile.width)),
                                             /*isWrite=*/false, /*localityHint=*/2,
                                             /*isDataCache=*/true);
              }
              if (!nextRows.empty()) {
                // One request per cache line of each row, not one per k (with A
                // contiguous along k): 8 requests per k step cost a third of a 1024^3
                // matmul's time (17.2 -> 14.6 ms, 1 thread, Intel Xeon).
                OpBuilder::InsertionGuard g(b);
                if (aLineElements > 1) {
                  Value within = arith::AndIOp::create(b, loc, k, index(aLineElements - 1));
                  Value lineStart = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                                          within, index(0));
                  b.setInsertionPointToStart(scf::IfOp::create(b, loc, lineStart).thenBlock());
                }
                for (ArrayRef<Value> nextRowIv : nextRows)
                  memref::PrefetchOp::create(b, loc, ct.a,
                                             indices(ct.mapA, bb, nextRowIv, Value(), ivs),
                                             /*isWrite=*/false, /*localityHint=*/2,
                                             /*isDataCache=*/true);
              }
              SmallVector<Value> bv(tile.vectors);
              for (int64_t v = 0; v < tile.vectors; ++v) {
                if (ct.int4Scales) {
                  bv[v] = loadInt4(bb, jp, pair, shift, blockRow, index(v * tile.width));
                } else if (ct.packedB) {
                  bv[v] = loadVector(ct.packedB, packedIndex(bb, jp, linear, index(v * tile.width)),
                                     Value());
                  if (bv[v].getType() != vecType) // fp16 weights: widened as they are loaded
                    bv[v] = arith::ExtFOp::create(b, loc, vecType, bv[v]);
                }
                else
                  bv[v] = loadVector(ct.b, indices(ct.mapB, bb, {}, col[v], ivs), masks[v]);
              }
              SmallVector<Value> next(inner.begin(), inner.end());
              for (int64_t r = 0; r < rows; ++r) {
                Value a = memref::LoadOp::create(b, loc, ct.a,
                                                 indices(ct.mapA, bb, row[r], Value(), ivs));
                Value splat = vector::BroadcastOp::create(b, loc, vecType, a);
                for (int64_t v = 0; v < tile.vectors; ++v) {
                  Value &slot = next[r * tile.vectors + v];
                  if (isa<FloatType>(elementType))
                    slot = vector::FMAOp::create(b, loc, splat, bv[v], slot);
                  else
                    slot = arith::AddIOp::create(
                        b, loc, arith::MulIOp::create(b, loc, splat, bv[v]), slot);
                }
              }
              scf::YieldOp::create(b, loc, next);
            });
        return SmallVector<Value>(loop.getResults());
      };
  SmallVector<Value> sums = reduce(0, {}, index(0), init);

  for (int64_t r = 0; r < rows; ++r) {
    OpBuilder::InsertionGuard guard(b);
    if (mSize) {
      Value inside =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, rowIndex[r], mSize);
      b.setInsertionPointToStart(scf::IfOp::create(b, loc, inside).thenBlock());
    }
    for (int64_t v = 0; v < tile.vectors; ++v) {
      Value value = sums[r * tile.vectors + v];
      if (epi)
        value = applyEpilogue(value, bb, row[r], col[v], masks[v]);
      storeVector(value, out, indices(outMap, bb, row[r], col[v], {}), masks[v]);
    }
  }
}

void TileEmitter::emit() {
  SmallVector<Range> ranges = ct.op.createLoopRanges(b, loc);
  auto size = [&](int64_t d) { return getValueOrCreateConstantIndexOp(b, loc, ranges[d].size); };
  auto product = [&](ArrayRef<Value> sizes) {
    Value p = index(1);
    for (Value s : sizes)
      p = arith::MulIOp::create(b, loc, p, s);
    return p;
  };
  SmallVector<Value> batchSizes;
  for (int64_t d : ct.batch)
    batchSizes.push_back(size(d));
  for (int64_t d : ct.m)
    mSizes.push_back(size(d));
  Value mSize = product(mSizes), nSize = size(ct.n), batch = product(batchSizes);
  for (int64_t d : ct.k)
    kSizes.push_back(size(d));
  auto ceilDiv = [&](Value x, int64_t d) {
    return arith::DivUIOp::create(b, loc, arith::AddIOp::create(b, loc, x, index(d - 1)),
                                  index(d));
  };
  Value rowTiles = ceilDiv(mSize, tile.rows), colTiles = ceilDiv(nSize, tile.cols());
  // Tiles run in row groups: the A rows of a group (group * rows * K floats, sized to
  // half of a 2 MiB L2) stay in cache while every column panel passes over them, and
  // each B panel is reused by the whole group before the next panel.
  Value kTotal = product(kSizes);
  // A tile reads its A rows once, from memory when A is a large activation (a 1x1
  // convolution's [pixels, C] input at batch 8 streams from DRAM, and the hardware
  // prefetchers, seeing `rows` interleaved streams, left a 25088 x 144 x 24 product at
  // 45% of the FMA peak: 4.4 ms; with the next tile's rows requested, 2.2 ms). They are
  // requested to L2, not L1: into L1 they evicted the tile's own operands (ResNet-50 3%
  // slower, a K = 3072 matmul 30%). Only with one m dim: the rows of several (a
  // window's oh, ow) need a register each, and with the requests' the k loop spilled
  // (ResNet-50 25% slower).
  mTotal = mSize;
  prefetchA = ct.m.size() == 1;
  aLineElements = prefetchA ? elementsPerLineAlongK() : 1;
  int64_t nStatic = ct.op.getStaticLoopRanges()[ct.n];
  nPartial = ShapedType::isDynamic(nStatic) || nStatic % tile.cols() != 0;
  Value rowBytes = arith::MulIOp::create(b, loc, kTotal, index(tile.rows * 4));
  Value group = arith::MaxUIOp::create(
      b, loc, index(1),
      arith::MinUIOp::create(b, loc, rowTiles,
                             arith::DivUIOp::create(b, loc, index(kGroupBytes), rowBytes)));
  // With a short K the output's lines cost more than the k loop (K = 64: 64 FMA steps
  // for a tile's 16 output lines, and 16 more of a residual): tiles then run row by row
  // instead, so that the output rows (and a residual's) are written front to back,
  // which the hardware prefetchers follow; in column panels each row was touched 128
  // bytes at a time, a panel apart, and a tile's burst of requests for its scattered
  // lines stalled on the line-fill buffers. Each tile's A rows stay in L1 while every
  // panel of B passes from L2. With a longer K, reading B from L2 per tile costs more
  // than the scattered stores save (1 thread, Intel Xeon, paired: 3136x64x256 with a
  // residual -16%, without -7%, 12544x16x96 -17%; K = 256: 3136x256x64 +5%).
  int64_t elementBytes = cast<MemRefType>(ct.c.getType()).getElementTypeBitWidth() / 8;
  int64_t shortK = (rowInputs().empty() ? 256 : 512) / std::max<int64_t>(elementBytes, 1);
  SmallVector<int64_t> staticRanges = ct.op.getStaticLoopRanges();
  std::optional<int64_t> kStatic = 1;
  for (int64_t d : ct.k)
    kStatic = kStatic && !ShapedType::isDynamic(staticRanges[d])
                  ? std::optional<int64_t>(*kStatic * staticRanges[d])
                  : std::nullopt;
  if (kStatic && !ShapedType::isDynamic(nStatic)) {
    rowByRow = arith::ConstantIntOp::create(
        b, loc, *kStatic <= shortK && *kStatic * nStatic * elementBytes <= kGroupBytes, 1);
  } else {
    rowByRow = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, kTotal, index(shortK)),
        arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::ule,
            arith::MulIOp::create(b, loc, arith::MulIOp::create(b, loc, kTotal, nSize),
                                  index(elementBytes)),
            index(kGroupBytes)));
  }
  group = arith::SelectOp::create(b, loc, rowByRow, index(1), group);
  // With a 4-bit B a row group of at most 8 tiles shares one dequantized panel (emitInt4),
  // so that batch 1 still makes enough parallel steps for the threads.
  if (ct.int4Scales)
    group = arith::MinUIOp::create(b, loc, group, index(8));
  Value rowGroups = arith::DivUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, rowTiles, arith::SubIOp::create(b, loc, group, index(1))),
      group);

  if (ct.int4Scales) {
    emitInt4(batch, batchSizes, rowTiles, rowGroups, colTiles, mSize, nSize, group);
    return;
  }
  Value total = product({batch, rowGroups, colTiles, group});
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{total}, ValueRange{index(1)},
      [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        // t = ((batch * rowGroups + rowGroup) * colTiles + jp) * group + ibInGroup
        SmallVector<Value> parts = delinearize(ivs[0], {batch, rowGroups, colTiles, group});
        SmallVector<Value> bb = delinearize(parts[0], batchSizes);
        Value jp = parts[2];
        Value ib = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, parts[1], group), parts[3]);
        // The last group may be short.
        Value exists = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, ib, rowTiles);
        b.setInsertionPointToStart(scf::IfOp::create(b, loc, exists).thenBlock());
        Value i0 = arith::MulIOp::create(b, loc, ib, index(tile.rows));
        Value j0 = arith::MulIOp::create(b, loc, jp, index(tile.cols()));
        // Row by row, all of B is in L2 already.
        std::optional<int64_t> byRows = getConstantIntValue(rowByRow);
        if (ct.packedB && !(byRows && *byRows)) {
          // The next B panel is requested to L2 as the group's tiles read their own, so
          // that it streams in from memory while they compute instead of stalling the
          // first tile that reads it. In a group of at most 16 tiles (a small M: a batch-1
          // convolution late in a network, a sequence's steps) every tile requests a
          // share: tile g the rows g * ceil(K / G) onwards, one every 2^floor(log2 G) k
          // steps, so the panel's bytes are asked for evenly over the group's time. When
          // the last tile asked for the whole panel alone, its burst outran memory and
          // stalled it (paired, 1 thread, Intel Xeon: BERT b1 -8%, ResNet-50 b1 -4%,
          // ddddocr's 20 x 1024 x 8210 classifier -2%). Larger groups keep that: a request
          // in every k step of every tile cost a 1024^3 matmul 3%. (The last group may
          // hold fewer tiles.)
          Value tilesInGroup = arith::MinUIOp::create(
              b, loc, group,
              arith::SubIOp::create(b, loc, rowTiles,
                                    arith::MulIOp::create(b, loc, parts[1], group)));
          Value lastInGroup =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                    arith::AddIOp::create(b, loc, parts[3], index(1)),
                                    tilesInGroup);
          Value fewTiles = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                                 tilesInGroup, index(16));
          nextPanel = arith::AddIOp::create(b, loc, jp, index(1));
          Value hasNext =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, nextPanel, colTiles);
          prefetchNext = arith::AndIOp::create(
              b, loc, arith::OrIOp::create(b, loc, lastInGroup, fewTiles), hasNext);
          Value leadingZeros = math::CountLeadingZerosOp::create(
              b, loc, arith::IndexCastUIOp::create(b, loc, b.getI64Type(), tilesInGroup));
          Value log2Tiles = arith::IndexCastUIOp::create(
              b, loc, b.getIndexType(),
              arith::SubIOp::create(b, loc, arith::ConstantIntOp::create(b, loc, 63, 64),
                                    leadingZeros));
          Value share = arith::DivUIOp::create(
              b, loc,
              arith::AddIOp::create(b, loc, kTotal,
                                    arith::SubIOp::create(b, loc, tilesInGroup, index(1))),
              tilesInGroup);
          requestBase = arith::SelectOp::create(
              b, loc, fewTiles, arith::MulIOp::create(b, loc, parts[3], share), index(0));
          requestShift = arith::SelectOp::create(b, loc, fewTiles, log2Tiles, index(0));
          kLast = arith::SubIOp::create(b, loc, kTotal, index(1));
          if (!byRows)
            prefetchNext = arith::AndIOp::create(
                b, loc, prefetchNext,
                arith::XOrIOp::create(b, loc, rowByRow,
                                      arith::ConstantIntOp::create(b, loc, 1, 1)));
        }
        emitTileAt(bb, i0, j0, jp, mSize, nSize);
      });
}

void TileEmitter::emitTileAt(ArrayRef<Value> bb, Value i0, Value j0, Value jp, Value mSize,
                             Value nSize) {
  Value rowsLeft = arith::SubIOp::create(b, loc, mSize, i0);
  Value colsLeft = arith::SubIOp::create(b, loc, nSize, j0);
  Value rowsWhole =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, rowsLeft, index(tile.rows));
  Value whole = arith::AndIOp::create(
      b, loc, rowsWhole,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, colsLeft, index(tile.cols())));
  OpBuilder::InsertionGuard guard(b);
  auto ifOp = scf::IfOp::create(b, loc, whole, /*withElseRegion=*/true);
  b.setInsertionPointToStart(ifOp.thenBlock());
  // Whole tiles, the bulk of the work, come in forms whose k loops test nothing: LLVM
  // does not hoist a loop-invariant branch out of them, and one in every k step cost
  // 7% of a 784 x 320 x 128 matmul. Only the tiles of a row group's first column panel
  // request the next tile's A rows (the group's rows then stay in L2 for the later
  // panels, where the requests only cost issue slots); the tiles that request the next
  // B panel (see emit()) get a form of their own.
  auto wholeTile = [&] {
    if (!prefetchNext) {
      emitTile(bb, i0, j0, jp, Value(), Value());
      return;
    }
    auto nextIf = scf::IfOp::create(b, loc, prefetchNext, /*withElseRegion=*/true);
    b.setInsertionPointToStart(nextIf.thenBlock());
    requestNextPanel = true;
    emitTile(bb, i0, j0, jp, Value(), Value());
    requestNextPanel = false;
    b.setInsertionPointToStart(nextIf.elseBlock());
    Value next = prefetchNext;
    prefetchNext = Value();
    emitTile(bb, i0, j0, jp, Value(), Value());
    prefetchNext = next;
  };
  if (prefetchA) {
    Value firstPanel = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, jp, index(0));
    auto panelIf = scf::IfOp::create(b, loc, firstPanel, /*withElseRegion=*/true);
    b.setInsertionPointToStart(panelIf.thenBlock());
    emitTile(bb, i0, j0, jp, Value(), Value());
    b.setInsertionPointToStart(panelIf.elseBlock());
    prefetchA = false;
    wholeTile();
    prefetchA = true;
  } else {
    wholeTile();
  }
  b.setInsertionPointToStart(ifOp.elseBlock());
  if (nPartial) {
    // Whole rows, masked columns: every tile when N is below a tile's width (24
    // output channels), so its rows are not clamped one by one.
    auto rowsIf = scf::IfOp::create(b, loc, rowsWhole, /*withElseRegion=*/true);
    b.setInsertionPointToStart(rowsIf.thenBlock());
    emitTile(bb, i0, j0, jp, colsLeft, Value());
    b.setInsertionPointToStart(rowsIf.elseBlock());
  }
  if (tile.rows > 1) {
    // A single row left (M = 1: the per-step matmul of a recurrent layer at batch
    // 1, a GEMV) gets a one-row tile instead of tile.rows clamped copies of it.
    Value oneRow =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rowsLeft, index(1));
    auto rowIf = scf::IfOp::create(b, loc, oneRow, /*withElseRegion=*/true);
    b.setInsertionPointToStart(rowIf.thenBlock());
    int64_t rows = tile.rows;
    tile.rows = 1;
    emitTile(bb, i0, j0, jp, colsLeft, mSize);
    tile.rows = rows;
    b.setInsertionPointToStart(rowIf.elseBlock());
  }
  emitTile(bb, i0, j0, jp, colsLeft, mSize);
}

Value TileEmitter::dequantizePanel(ArrayRef<Value> bb, Value jp) {
  auto packedType = cast<MemRefType>(ct.packedB.getType());
  int64_t rows = packedType.getDimSize(packedType.getRank() - 2) * 2;
  auto type = MemRefType::get({1, rows, tile.cols()}, b.getF32Type());
  Value panel = memref::AllocOp::create(b, loc, type, b.getI64IntegerAttr(64));
  Value kTotal = kSizes.front();
  scf::ForOp::create(b, loc, index(0), kTotal, index(1), ValueRange{},
                     [&](OpBuilder &nb, Location, Value k, ValueRange) {
                       OpBuilder::InsertionGuard guard(b);
                       b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
                       auto [pair, shift, blockRow] = int4Row(k);
                       for (int64_t v = 0; v < tile.vectors; ++v) {
                         Value col = index(v * tile.width);
                         storeVector(loadInt4(bb, jp, pair, shift, blockRow, col), panel,
                                     {index(0), k, col}, Value());
                       }
                       scf::YieldOp::create(b, loc);
                     });
  return panel;
}

void TileEmitter::emitInt4(Value batch, ArrayRef<Value> batchSizes, Value rowTiles,
                           Value rowGroups, Value colTiles, Value mSize, Value nSize,
                           Value group) {
  // Each parallel step is one B panel and a row group: the panel is dequantized once into
  // an f32 scratch panel that the group's tiles read as a packed f32 B. A group of one
  // tile (M <= tile.rows: a GEMV) dequantizes in its k loop instead.
  Value total = arith::MulIOp::create(
      b, loc, arith::MulIOp::create(b, loc, batch, rowGroups), colTiles);
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{total}, ValueRange{index(1)},
      [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        SmallVector<Value> parts = delinearize(ivs[0], {batch, rowGroups, colTiles});
        SmallVector<Value> bb = delinearize(parts[0], batchSizes);
        Value jp = parts[2];
        Value first = arith::MulIOp::create(b, loc, parts[1], group);
        Value count = arith::MinUIOp::create(b, loc, group,
                                             arith::SubIOp::create(b, loc, rowTiles, first));
        Value j0 = arith::MulIOp::create(b, loc, jp, index(tile.cols()));
        Value several = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, count, index(1));
        auto ifOp = scf::IfOp::create(b, loc, several, /*withElseRegion=*/true);
        b.setInsertionPointToStart(ifOp.thenBlock());
        {
          Value panel = dequantizePanel(bb, jp);
          Contraction saved = ct;
          ct.packedB = panel;
          ct.int4Scales = ct.int4Offsets = Value();
          ct.packedBatch.clear();
          scf::ForOp::create(
              b, loc, index(0), count, index(1), ValueRange{},
              [&](OpBuilder &fb, Location, Value t, ValueRange) {
                OpBuilder::InsertionGuard g(b);
                b.setInsertionPoint(fb.getInsertionBlock(), fb.getInsertionPoint());
                Value i0 = arith::MulIOp::create(b, loc, arith::AddIOp::create(b, loc, first, t),
                                                 index(tile.rows));
                emitTileAt(bb, i0, j0, index(0), mSize, nSize);
                scf::YieldOp::create(b, loc);
              });
          ct = saved;
        }
        b.setInsertionPointToStart(ifOp.elseBlock());
        emitTileAt(bb, arith::MulIOp::create(b, loc, first, index(tile.rows)), j0, jp, mSize,
                   nSize);
      });
}

} // namespace

void emitContraction(OpBuilder &builder, const Contraction &contraction,
                     const Epilogue *epilogue, const TileShape &tile) {
  TileEmitter(builder, contraction, epilogue, tile).emit();
}

} // namespace kiln::cpu
