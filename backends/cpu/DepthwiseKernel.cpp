//===- DepthwiseKernel.cpp - Register-tiled vector code for depthwise conv -===//
//
// The generated code for out[n, oh, ow, c] += in[n, oh*sh + kh*dh, ow*sw + kw*dw, c] *
// w[kh, kw, c] on NHWC buffers (the input already padded), and for its 3-D form on
// NDHWC buffers, where a row is (n, od, oh) and the taps loop over kd, kh, kw:
//
//   scf.parallel %row over N x OH (3-D: N x OD x OH) {
//     for c0 in [0, C) step width:              (the last vector masked when C % width)
//       for ow0 in [0, OW) step kPixels:         (then one tile of the static OW % kPixels,
//                                                 or one-pixel tiles for a dynamic OW)
//         acc[t] = init                          t < kPixels, one vector per pixel
//         for (kd,) kh, kw: wv = w[(kd,) kh, kw, c0..]
//                     acc[t] = fma(in[n, ih, (ow0 + t)*sw + kw*dw, c0..], wv, acc[t])
//         store epilogue(acc[t]) (or acc[t]) to out[n, oh, ow0 + t, c0..]
//   }
//
// Each output vector stays in a register for the whole KH x KW window (the generic loop
// lowering re-read and re-wrote it per tap, in scalar code) and each weight vector is
// reused by kPixels pixels. Upstream's depthwise vectorization (Conv1DGenerator) works
// on static 1-D tiles of a named op and re-reads the output per kernel row; this kernel
// also covers dynamic H/W and channel counts that are not a multiple of the width.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <functional>

using namespace mlir;

namespace kiln::cpu {
namespace {

/// Output pixels per register tile: kPixels accumulators, one weight and one input
/// vector live at once (10 of AVX-512's 32 or AVX2's 16 vector registers).
constexpr int64_t kPixels = 8;

class DepthwiseEmitter {
public:
  DepthwiseEmitter(OpBuilder &b, const Depthwise &dw, const Epilogue *epi, int64_t width)
      : b(b), loc(dw.op->getLoc()), dw(dw), epi(epi), width(width) {}

  void emit() {
    int64_t spatial = dw.spatial;
    int64_t cDim = spatial + 1;
    // Rows: n and every output spatial dim but the last (the tiled one).
    SmallVector<Value> rowSizes;
    for (int64_t i = 0; i < spatial; ++i)
      rowSizes.push_back(dim(dw.output, i));
    ow = dim(dw.output, spatial);
    channels = dim(dw.output, cDim);
    for (int64_t i = 0; i < spatial; ++i)
      taps.push_back(dim(dw.filter, i));
    auto outType = cast<MemRefType>(dw.output.getType());
    masked = outType.isDynamicDim(cDim) || outType.getDimSize(cDim) % width != 0;
    Value rows = rowSizes[0];
    for (Value size : ArrayRef<Value>(rowSizes).drop_front())
      rows = arith::MulIOp::create(b, loc, rows, size);
    scf::ParallelOp::create(
        b, loc, ValueRange{index(0)}, ValueRange{rows}, ValueRange{index(1)},
        [&](OpBuilder &nb, Location, ValueRange ivs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          // (n, o_1..o_{S-1}) of the row, outermost first.
          rowIv.clear();
          Value rest = ivs[0];
          for (size_t i = 0; i + 1 < rowSizes.size(); ++i) {
            Value inner = rowSizes[i + 1];
            for (size_t j = i + 2; j < rowSizes.size(); ++j)
              inner = arith::MulIOp::create(b, loc, inner, rowSizes[j]);
            rowIv.push_back(arith::DivUIOp::create(b, loc, rest, inner));
            rest = arith::RemUIOp::create(b, loc, rest, inner);
          }
          rowIv.push_back(rest);
          emitRow();
          scf::ReduceOp::create(b, loc);
        });
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value dim(Value memref, int64_t d) { return memref::DimOp::create(b, loc, memref, d); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t c) {
    return c == 1 ? x : arith::MulIOp::create(b, loc, x, index(c)).getResult();
  }

  /// Every (ow tile, channel vector) of output row `rowIv`.
  void emitRow() {
    Value fullTiles = arith::DivUIOp::create(b, loc, ow, index(kPixels));
    Value tiled = mul(fullTiles, kPixels);
    forLoop(index(0), channels, width, [&](Value c0) {
      Value mask;
      if (masked) {
        Value left = arith::SubIOp::create(b, loc, channels, c0);
        mask = vector::CreateMaskOp::create(b, loc, VectorType::get({width}, b.getI1Type()),
                                            ValueRange{arith::MinUIOp::create(b, loc, left, index(width))});
      }
      forLoop(index(0), tiled, kPixels, [&](Value ow0) { emitTile(ow0, c0, mask, kPixels); });
      // The remainder: one tile of its static width (a 7-wide row was 7 one-pixel tiles,
      // each loading a weight vector per FMA), else pixel by pixel.
      int64_t owStatic = cast<MemRefType>(dw.output.getType()).getDimSize(dw.spatial);
      if (!ShapedType::isDynamic(owStatic)) {
        if (owStatic % kPixels)
          emitTile(tiled, c0, mask, owStatic % kPixels);
      } else {
        forLoop(tiled, ow, 1, [&](Value ow0) { emitTile(ow0, c0, mask, 1); });
      }
    });
  }

  void forLoop(Value lb, Value ub, int64_t step, llvm::function_ref<void(Value)> body) {
    scf::ForOp::create(b, loc, lb, ub, index(step), ValueRange{},
                       [&](OpBuilder &nb, Location, Value iv, ValueRange) {
                         OpBuilder::InsertionGuard guard(b);
                         b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
                         body(iv);
                         scf::YieldOp::create(b, loc);
                       });
  }

  /// Output pixels [ow0, ow0 + pixels) of channels [c0, c0 + width).
  void emitTile(Value ow0, Value c0, Value mask, int64_t pixels) {
    int64_t spatial = dw.spatial;
    auto vecType = VectorType::get({width}, b.getF32Type());
    SmallVector<Value> owIv(pixels), init(pixels);
    auto outIndex = [&](Value o) {
      SmallVector<Value> idx(rowIv);
      idx.append({o, c0});
      return idx;
    };
    for (int64_t t = 0; t < pixels; ++t) {
      owIv[t] = add(ow0, index(t));
      if (dw.initValue)
        init[t] = arith::ConstantOp::create(b, loc, vecType,
                                            SplatElementsAttr::get(vecType, *dw.initValue));
      else
        init[t] = loadVector(b, loc, dw.output, outIndex(owIv[t]), width, mask);
    }
    // One loop per tap dim, outermost first; the innermost (the last spatial dim's taps)
    // does the FMAs. `inRow` holds the input's indices of the dims before it.
    std::function<SmallVector<Value>(int64_t, SmallVector<Value>, SmallVector<Value>,
                                     ValueRange)>
        taploop = [&](int64_t level, SmallVector<Value> tapIv, SmallVector<Value> inRow,
                      ValueRange acc) {
          auto loop = scf::ForOp::create(
              b, loc, index(0), taps[level], index(1), acc,
              [&](OpBuilder &nb, Location, Value k, ValueRange inner) {
                OpBuilder::InsertionGuard guard(b);
                b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
                SmallVector<Value> ks = tapIv;
                ks.push_back(k);
                if (level + 1 < spatial) {
                  SmallVector<Value> row = inRow;
                  row.push_back(add(mul(rowIv[1 + level], dw.strides[level]),
                                    mul(k, dw.dilations[level])));
                  scf::YieldOp::create(b, loc, taploop(level + 1, ks, row, inner));
                  return;
                }
                Value wv;
                if (dw.combine == Depthwise::Combine::MulAdd) {
                  SmallVector<Value> wIdx = ks;
                  wIdx.push_back(c0);
                  wv = loadVector(b, loc, dw.filter, wIdx, width, mask);
                }
                Value tap = mul(k, dw.dilations[level]);
                SmallVector<Value> next;
                for (int64_t t = 0; t < pixels; ++t) {
                  SmallVector<Value> idx = inRow;
                  idx.append({add(mul(owIv[t], dw.strides[level]), tap), c0});
                  Value x = loadVector(b, loc, dw.input, idx, width, mask);
                  switch (dw.combine) {
                  case Depthwise::Combine::MulAdd:
                    next.push_back(vector::FMAOp::create(b, loc, x, wv, inner[t]));
                    break;
                  case Depthwise::Combine::Add:
                    next.push_back(arith::AddFOp::create(b, loc, inner[t], x));
                    break;
                  case Depthwise::Combine::Max:
                    next.push_back(arith::MaximumFOp::create(b, loc, inner[t], x));
                    break;
                  }
                }
                scf::YieldOp::create(b, loc, next);
              });
          return SmallVector<Value>(loop.getResults());
        };
    SmallVector<Value> sums = taploop(0, {}, {rowIv[0]}, init);
    Value out = epi ? epi->output : dw.output;
    for (int64_t t = 0; t < pixels; ++t) {
      Value value = sums[t];
      if (epi) {
        // Iteration dims of the depthwise generic: (n, o..., k..., c).
        SmallVector<Value> iv(2 + 2 * spatial);
        for (int64_t i = 0; i < spatial; ++i)
          iv[i] = rowIv[i];
        iv[spatial] = owIv[t];
        iv.back() = c0;
        value = emitVectorEpilogue(b, loc, *epi, value, /*vectorDim=*/iv.size() - 1, width,
                                   mask, [&](AffineMap map) {
                                     SmallVector<Value> idx;
                                     for (AffineExpr e : map.getResults()) {
                                       if (auto d = dyn_cast<AffineDimExpr>(e))
                                         idx.push_back(iv[d.getPosition()]);
                                       else
                                         idx.push_back(index(
                                             cast<AffineConstantExpr>(e).getValue()));
                                     }
                                     return idx;
                                   });
      }
      storeVector(b, loc, value, out, outIndex(owIv[t]), mask);
    }
  }

  OpBuilder &b;
  Location loc;
  const Depthwise &dw;
  const Epilogue *epi;
  int64_t width;
  bool masked = true;
  Value ow, channels;
  /// The filter's tap counts, per spatial dim.
  SmallVector<Value> taps;
  /// The current row's (n, o_1..o_{S-1}).
  SmallVector<Value> rowIv;
};

} // namespace

void emitDepthwise(OpBuilder &builder, const Depthwise &dw, const Epilogue *epilogue,
                   int64_t width) {
  DepthwiseEmitter(builder, dw, epilogue, width).emit();
}

} // namespace kiln::cpu
