//===- ConvWinograd.cpp - 3x3 convolutions as Winograd F(2x2, 3x3) ---------===//
//
// Three linalg stages (see ConvWinograd.h for the algebra):
//
//   input:   v_k[n, th, tw, c] for the 16 k = (xi, nu), from the 4x4 block of the padded
//            input at rows 2 th .. 2 th + 3, columns 2 tw .. 2 tw + 3 (B^T d B: adds only;
//            one generic with 16 results, vectorized along c)
//   product: m_k[n, th, tw, m] = sum_c v_k[n, th, tw, c] * u_k[c, m], 16 contractions the
//            CPU backend runs as register-tiled matrix products with u_k packed
//   output:  y[n, oh, ow, m] = sum_k A^T[oh % 2, xi] A^T[ow % 2, nu] m_k[n, oh / 2,
//            ow / 2, m] (an elementwise generic over y: the bias, activation and residual
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

// F(2x2, 3x3) matrices.
constexpr float kG[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
constexpr float kAT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

/// u_k = G g G^T per channel pair, as 16 [C][M] constants.
SmallVector<Value> transformFilter(OpBuilder &b, Location loc, ArrayRef<float> w, int64_t c,
                                   int64_t m) {
  int64_t plane = c * m;
  std::vector<std::vector<float>> u(kBlocks, std::vector<float>(plane, 0.0f));
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
        u[xi * 4 + nu][p] =
            t[xi][0] * kG[nu][0] + t[xi][1] * kG[nu][1] + t[xi][2] * kG[nu][2];
  }
  auto type = RankedTensorType::get({c, m}, b.getF32Type());
  SmallVector<Value> result;
  for (std::vector<float> &data : u) {
    auto attr = DenseResourceElementsAttr::get(
        type, "kiln_winograd_filter",
        HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(data));
    result.push_back(arith::ConstantOp::create(b, loc, type, attr));
  }
  return result;
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
  // Fewer tiles than this make short matrix products that reread the (16/9 times larger)
  // transformed weights more than they reuse them.
  constexpr int64_t kMinPixels = 256;
  return c >= kMinChannels && m >= kMinChannels &&
         (ShapedType::isDynamic(pixels) || pixels >= kMinPixels);
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

  // Input transform: (n, th, tw, c), 16 reads of the padded input, 16 results.
  SmallVector<Value> inputs(kTile * kTile, padded), inits;
  SmallVector<AffineMap> maps;
  for (int64_t i = 0; i < kTile; ++i)
    for (int64_t j = 0; j < kTile; ++j)
      maps.push_back(AffineMap::get(4, 0, {d(0), d(1) * 2 + i, d(2) * 2 + j, d(3)}, ctx));
  SmallVector<OpFoldResult> vSizes{n, th, tw, b.getIndexAttr(c)};
  for (int64_t k = 0; k < kBlocks; ++k) {
    inits.push_back(emptyTensor(b, loc, vSizes));
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  }
  SmallVector<Type> vTypes(kBlocks, inits.front().getType());
  auto inputTransform = linalg::GenericOp::create(
      b, loc, vTypes, inputs, inits, maps, SmallVector<IteratorType>(4, IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, transformInputBlock(nb, l, args.take_front(kBlocks)));
      });

  // LLVM leaves a loop of 16 reads and 16 writes scalar; the CPU backend vectorizes it.
  inputTransform->setAttr("kiln.vectorize", b.getUnitAttr());

  // Products: (n, th, tw, m, c).
  SmallVector<Value> u = transformFilter(b, loc, w, c, m);
  SmallVector<OpFoldResult> mSizes{n, th, tw, b.getIndexAttr(m)};
  SmallVector<AffineMap> productMaps{AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
                                     AffineMap::get(5, 0, {d(4), d(3)}, ctx),
                                     AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  SmallVector<IteratorType> productIterators(4, IteratorType::parallel);
  productIterators.push_back(IteratorType::reduction);
  SmallVector<Value> products;
  for (int64_t k = 0; k < kBlocks; ++k) {
    Value init = linalg::FillOp::create(b, loc, zero, emptyTensor(b, loc, mSizes)).getResult(0);
    products.push_back(
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{inputTransform.getResult(k), u[k]},
            ValueRange{init}, productMaps, productIterators,
            [](OpBuilder &nb, Location l, ValueRange args) {
              Value product = arith::MulFOp::create(nb, l, args[0], args[1]);
              linalg::YieldOp::create(nb, l,
                                      ValueRange{arith::AddFOp::create(nb, l, args[2], product)});
            })
            .getResult(0));
  }

  // Output transform: (n, oh, ow, m), reading block (oh / 2, ow / 2).
  SmallVector<AffineMap> outMaps(
      kBlocks,
      AffineMap::get(4, 0, {d(0), d(1).floorDiv(2), d(2).floorDiv(2), d(3)}, ctx));
  outMaps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  Value yInit = emptyTensor(b, loc, {n, oh, ow, b.getIndexAttr(m)});
  return linalg::GenericOp::create(
             b, loc, TypeRange{yInit.getType()}, products, ValueRange{yInit}, outMaps,
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
             })
      .getResult(0);
}

} // namespace kiln::conversion
