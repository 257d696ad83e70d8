//===- ConvWinograd.cpp - 3x3 convolutions as Winograd F(2x2, 3x3) ---------===//
//
// Three linalg stages (see ConvWinograd.h for the algebra):
//
//   input:   v[n, th, tw, k, c] for the 16 k = (xi, nu), from the 4x4 block of the padded
//            input at rows 2 th .. 2 th + 3, columns 2 tw .. 2 tw + 3 (B^T d B: adds only;
//            one generic with 16 results, each written into its slice k of v, vectorized
//            along c; v holds 17 slots per tile, kSlots, of which 16 are used)
//   product: m[n, th, tw, k, m] = sum_c v[n, th, tw, k, c] * u[k, c, m], one contraction
//            batched over k that the CPU backend runs as register-tiled matrix products
//            with u packed per k (one kernel, not 16: compile time)
//   output:  y[n, oh, ow, m] = sum_k A^T[oh % 2, xi] A^T[ow % 2, nu] m[n, oh / 2, ow / 2,
//            k, m] (an elementwise generic over y: the bias, activation and residual
//            after the convolution fuse into it)
//
// The input is padded by one more row and column at the end, which a tile past an odd
// output size reads; y covers exactly OH x OW.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/ConvWinograd.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

constexpr int64_t kTile = 4;    // input block edge (m + r - 1)
constexpr int64_t kBlocks = 16; // transformed elements per block, k = xi * 4 + nu
// Slots per tile in the transformed input: one more than the 16 used, so that
// consecutive tiles (the rows of the matrix products' A) do not sit a multiple of 4 KiB
// apart (16 x 64 channels x 4 bytes): a register tile's 8 rows of A then fell into one
// L1 set and evicted each other (a 64 -> 64 channel product at 56x56: 0.96 -> 0.79 ms,
// 1 thread, Intel Xeon). The products keep 16 slots: with 17 the models ran slower.
constexpr int64_t kSlots = kBlocks + 1;

// F(2x2, 3x3) matrices.
constexpr float kG[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
constexpr float kAT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

/// u_k = G g G^T per channel pair, as one [16][C][M] constant.
Value transformFilter(OpBuilder &b, Location loc, ArrayRef<float> w, int64_t c, int64_t m) {
  int64_t plane = c * m;
  std::vector<float> u(kBlocks * plane, 0.0f);
  for (int64_t p = 0; p < plane; ++p) {
    float g[3][3];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        g[i][j] = w[(i * 3 + j) * plane + p];
    float t[4][3]; // G g
    for (int xi = 0; xi < 4; ++xi)
      for (int j = 0; j < 3; ++j)
        t[xi][j] = kG[xi][0] * g[0][j] + kG[xi][1] * g[1][j] + kG[xi][2] * g[2][j];
    for (int xi = 0; xi < 4; ++xi)
      for (int nu = 0; nu < 4; ++nu)
        u[(xi * 4 + nu) * plane + p] =
            t[xi][0] * kG[nu][0] + t[xi][1] * kG[nu][1] + t[xi][2] * kG[nu][2];
  }
  auto type = RankedTensorType::get({kBlocks, c, m}, b.getF32Type());
  auto attr = DenseResourceElementsAttr::get(
      type, "kiln_winograd_filter", HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(u));
  return arith::ConstantOp::create(b, loc, type, attr);
}

/// ceil(size / 2), folded when static.
OpFoldResult halfUp(OpBuilder &b, Location loc, OpFoldResult size) {
  if (std::optional<int64_t> known = getConstantIntValue(size))
    return b.getIndexAttr((*known + 1) / 2);
  Value v = getValueOrCreateConstantIndexOp(b, loc, size);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value two = arith::ConstantIndexOp::create(b, loc, 2);
  return arith::DivUIOp::create(b, loc, arith::AddIOp::create(b, loc, v, one), two).getResult();
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  return tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
}

/// B^T d B for one 4x4 block `d` (row-major), in k = xi * 4 + nu order.
SmallVector<Value> transformInputBlock(OpBuilder &b, Location loc, ValueRange d) {
  auto add = [&](Value x, Value y) { return arith::AddFOp::create(b, loc, x, y).getResult(); };
  auto sub = [&](Value x, Value y) { return arith::SubFOp::create(b, loc, x, y).getResult(); };
  // B^T applied to a column (rows 0..3): [d0 - d2, d1 + d2, d2 - d1, d1 - d3].
  auto bt = [&](Value r0, Value r1, Value r2, Value r3) -> std::array<Value, 4> {
    return {sub(r0, r2), add(r1, r2), sub(r2, r1), sub(r1, r3)};
  };
  std::array<std::array<Value, 4>, 4> t; // t[xi][j]
  for (int j = 0; j < 4; ++j) {
    std::array<Value, 4> col = bt(d[0 * 4 + j], d[1 * 4 + j], d[2 * 4 + j], d[3 * 4 + j]);
    for (int xi = 0; xi < 4; ++xi)
      t[xi][j] = col[xi];
  }
  SmallVector<Value> v(kBlocks);
  for (int xi = 0; xi < 4; ++xi) {
    std::array<Value, 4> row = bt(t[xi][0], t[xi][1], t[xi][2], t[xi][3]);
    for (int nu = 0; nu < 4; ++nu)
      v[xi * 4 + nu] = row[nu];
  }
  return v;
}

} // namespace

bool winogradPays(int64_t c, int64_t m, int64_t pixels) {
  // The input transform costs about as much per (tile, c) as 4 output channels of the
  // products, the output transform about as much per (tile, m) as 8 input channels.
  constexpr int64_t kMinChannels = 32;
  // Fewer tiles than this (a 7x7 image: 16) make short matrix products that reread the
  // (16/9 times larger) transformed weights more than they reuse them.
  constexpr int64_t kMinPixels = 49;
  // The transformed input and the products pass through memory whole (16 values per
  // 2x2 output block and channel); past a few MiB per image they cost more than the
  // products save (32 -> 64 channels at 112x112: 12.8 MiB, 4.3 -> 5.1 ms; 64 -> 64 at
  // 56x56: 3.2 MiB, 2.35 -> 1.32 ms on one Zen 4 core).
  constexpr int64_t kMaxBytesPerImage = 8 << 20;
  if (c < kMinChannels || m < kMinChannels)
    return false;
  if (ShapedType::isDynamic(pixels))
    return true;
  int64_t tiles = (pixels + 3) / 4; // about: a tile covers 2x2 output pixels
  return pixels >= kMinPixels && tiles * 16 * std::max(c, m) * 4 <= kMaxBytesPerImage;
}

Value buildWinogradConv2D(OpBuilder &b, Location loc, Value x, ArrayRef<float> w, int64_t c,
                          int64_t m, ArrayRef<int64_t> pads, ArrayRef<OpFoldResult> outSizes) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  using utils::IteratorType;
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));

  // The conv's padding plus one row and column that tiles past an odd size read.
  SmallVector<OpFoldResult> low{b.getIndexAttr(0), b.getIndexAttr(pads[0]),
                                b.getIndexAttr(pads[1]), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high{b.getIndexAttr(0), b.getIndexAttr(pads[2] + 1),
                                 b.getIndexAttr(pads[3] + 1), b.getIndexAttr(0)};
  Value padded = tensor::PadOp::create(b, loc, Type(), x, low, high, zero);

  OpFoldResult n = outSizes[0], oh = outSizes[1], ow = outSizes[2];
  OpFoldResult th = halfUp(b, loc, oh), tw = halfUp(b, loc, ow);

  // Input transform: (n, th, tw, c), 16 reads of the padded input, 16 results, each
  // inserted into its slice k of v[n, th, tw, 16, c] (a tile's 16 values are next to each
  // other: with k outermost, the 16 streams would sit a multiple of 4 KiB apart and
  // evict each other from L1). Bufferization gives all but one result a buffer of its
  // own and a copy into the slice (it cannot write a multi-result op's results in place
  // into one destination); kiln-forward-slice-copies then makes the op write the slices
  // directly.
  auto withK = [&](OpFoldResult last) {
    return SmallVector<OpFoldResult>{n, th, tw, b.getIndexAttr(kBlocks), last};
  };
  auto withSlots = [&](OpFoldResult last) {
    return SmallVector<OpFoldResult>{n, th, tw, b.getIndexAttr(kSlots), last};
  };
  SmallVector<OpFoldResult> vSizes = withK(b.getIndexAttr(c));
  Value v = emptyTensor(b, loc, withSlots(b.getIndexAttr(c)));
  auto kOffsets = [&](int64_t k) {
    SmallVector<OpFoldResult> offsets(5, b.getIndexAttr(0));
    offsets[3] = b.getIndexAttr(k);
    return offsets;
  };
  auto kSlice = [&](ArrayRef<OpFoldResult> sizes) {
    SmallVector<OpFoldResult> slice(sizes);
    slice[3] = b.getIndexAttr(1);
    return slice;
  };
  SmallVector<OpFoldResult> unitStrides(5, b.getIndexAttr(1));
  auto sliceType = [&](int64_t last) {
    SmallVector<int64_t> shape;
    for (OpFoldResult size : {n, th, tw})
      shape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
    shape.push_back(last);
    return RankedTensorType::get(shape, f32);
  };
  SmallVector<Value> inputs(kTile * kTile, padded), inits;
  SmallVector<AffineMap> maps;
  for (int64_t i = 0; i < kTile; ++i)
    for (int64_t j = 0; j < kTile; ++j)
      maps.push_back(AffineMap::get(4, 0, {d(0), d(1) * 2 + i, d(2) * 2 + j, d(3)}, ctx));
  for (int64_t k = 0; k < kBlocks; ++k) {
    inits.push_back(emptyTensor(b, loc, {n, th, tw, b.getIndexAttr(c)}));
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  }
  auto inputTransform = linalg::GenericOp::create(
      b, loc, SmallVector<Type>(kBlocks, sliceType(c)), inputs, inits, maps,
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, transformInputBlock(nb, l, args.take_front(kBlocks)));
      });
  // LLVM leaves a loop of 16 reads and 16 writes scalar; the CPU backend vectorizes it.
  inputTransform->setAttr("kiln.vectorize", b.getUnitAttr());
  for (int64_t k = 0; k < kBlocks; ++k)
    v = tensor::InsertSliceOp::create(b, loc, inputTransform.getResult(k), v, kOffsets(k),
                                      kSlice(vSizes), unitStrides);
  v = tensor::ExtractSliceOp::create(b, loc, v, kOffsets(0), vSizes, unitStrides);

  // Products, one contraction batched over k: loops (k, n, th, tw, m, c).
  Value u = transformFilter(b, loc, w, c, m);
  SmallVector<OpFoldResult> mSizes = withK(b.getIndexAttr(m));
  SmallVector<AffineMap> productMaps{
      AffineMap::get(6, 0, {d(1), d(2), d(3), d(0), d(5)}, ctx),
      AffineMap::get(6, 0, {d(0), d(5), d(4)}, ctx),
      AffineMap::get(6, 0, {d(1), d(2), d(3), d(0), d(4)}, ctx)};
  SmallVector<IteratorType> productIterators(5, IteratorType::parallel);
  productIterators.push_back(IteratorType::reduction);
  Value init = linalg::FillOp::create(b, loc, zero, emptyTensor(b, loc, mSizes)).getResult(0);
  Value products =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, ValueRange{v, u}, ValueRange{init}, productMaps,
          productIterators,
          [](OpBuilder &nb, Location l, ValueRange args) {
            Value product = arith::MulFOp::create(nb, l, args[0], args[1]);
            linalg::YieldOp::create(nb, l,
                                    ValueRange{arith::AddFOp::create(nb, l, args[2], product)});
          })
          .getResult(0);

  // Output transform: (n, oh, ow, m), reading block (oh / 2, ow / 2) of the 16 products,
  // each as a slice (a view after bufferization; maps with constant results would keep
  // the generic from being tiled into parallel loops).
  SmallVector<Value> productSlices;
  for (int64_t k = 0; k < kBlocks; ++k)
    productSlices.push_back(tensor::ExtractSliceOp::create(
        b, loc, sliceType(m), products, kOffsets(k), kSlice(mSizes), unitStrides));
  SmallVector<AffineMap> outMaps(
      kBlocks, AffineMap::get(4, 0, {d(0), d(1).floorDiv(2), d(2).floorDiv(2), d(3)}, ctx));
  outMaps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  Value yInit = emptyTensor(b, loc, {n, oh, ow, b.getIndexAttr(m)});
  auto outputTransform = linalg::GenericOp::create(
             b, loc, TypeRange{yInit.getType()}, productSlices, ValueRange{yInit}, outMaps,
             SmallVector<IteratorType>(4, IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               // A^T's row for this pixel's parity along each axis (loop-invariant in m).
               auto parityRow = [&](unsigned dim) {
                 Value index = linalg::IndexOp::create(nb, l, dim);
                 Value two = arith::ConstantIndexOp::create(nb, l, 2);
                 Value odd = arith::CmpIOp::create(
                     nb, l, arith::CmpIPredicate::ne, arith::RemUIOp::create(nb, l, index, two),
                     arith::ConstantIndexOp::create(nb, l, 0));
                 std::array<Value, 4> row;
                 for (int e = 0; e < 4; ++e) {
                   Value even = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(kAT[0][e]));
                   Value oddV = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(kAT[1][e]));
                   row[e] = kAT[0][e] == kAT[1][e]
                                ? even
                                : arith::SelectOp::create(nb, l, odd, oddV, even).getResult();
                 }
                 return row;
               };
               std::array<Value, 4> r = parityRow(1), s = parityRow(2);
               auto mul = [&](Value a, Value v) {
                 return arith::MulFOp::create(nb, l, a, v).getResult();
               };
               auto add = [&](Value a, Value v) {
                 return arith::AddFOp::create(nb, l, a, v).getResult();
               };
               Value y;
               for (int nu = 0; nu < 4; ++nu) {
                 // sum over xi of A^T[a, xi] m[xi][nu], then weighted by A^T[b, nu].
                 Value col = mul(r[0], args[0 * 4 + nu]);
                 for (int xi = 1; xi < 4; ++xi)
                   col = add(col, mul(r[xi], args[xi * 4 + nu]));
                 y = y ? add(y, mul(s[nu], col)) : mul(s[nu], col);
               }
               linalg::YieldOp::create(nb, l, ValueRange{y});
             });
  // As the input transform: LLVM leaves the 16 reads scalar.
  outputTransform->setAttr("kiln.vectorize", b.getUnitAttr());
  return outputTransform.getResult(0);
}

} // namespace kiln::conversion
