//===- DepthwiseKernel.cpp - Register-tiled vector code for depthwise conv -===//
//
// The generated code for out[n, oh, ow, c] += in[n, oh*sh + kh*dh, ow*sw + kw*dw, c] *
// w[kh, kw, c] on NHWC buffers (the input already padded):
//
//   scf.parallel %row over N x OH {
//     for c0 in [0, C) step width:              (the last vector masked when C % width)
//       for ow0 in [0, OW) step kPixels:         (a one-pixel tile for the OW remainder)
//         acc[t] = init                          t < kPixels, one vector per pixel
//         for kh, kw: wv = w[kh, kw, c0..]
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
    Value n = dim(dw.output, 0), oh = dim(dw.output, 1);
    ow = dim(dw.output, 2);
    channels = dim(dw.output, 3);
    kh = dim(dw.filter, 0);
    kw = dim(dw.filter, 1);
    auto outType = cast<MemRefType>(dw.output.getType());
    masked = outType.isDynamicDim(3) || outType.getDimSize(3) % width != 0;
    Value rows = arith::MulIOp::create(b, loc, n, oh);
    scf::ParallelOp::create(
        b, loc, ValueRange{index(0)}, ValueRange{rows}, ValueRange{index(1)},
        [&](OpBuilder &nb, Location, ValueRange ivs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          nIv = arith::DivUIOp::create(b, loc, ivs[0], oh);
          ohIv = arith::RemUIOp::create(b, loc, ivs[0], oh);
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

  /// Every (ow tile, channel vector) of output row (nIv, ohIv).
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
      forLoop(tiled, ow, 1, [&](Value ow0) { emitTile(ow0, c0, mask, 1); });
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
    auto vecType = VectorType::get({width}, b.getF32Type());
    SmallVector<Value> owIv(pixels), init(pixels);
    for (int64_t t = 0; t < pixels; ++t) {
      owIv[t] = add(ow0, index(t));
      if (dw.initValue)
        init[t] = arith::ConstantOp::create(b, loc, vecType,
                                            SplatElementsAttr::get(vecType, *dw.initValue));
      else
        init[t] = loadVector(b, loc, dw.output, {nIv, ohIv, owIv[t], c0}, width, mask);
    }
    auto khLoop = scf::ForOp::create(
        b, loc, index(0), kh, index(1), init,
        [&](OpBuilder &nb, Location, Value khIv, ValueRange accH) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          Value ih = add(mul(ohIv, dw.strides[0]), mul(khIv, dw.dilations[0]));
          auto kwLoop = scf::ForOp::create(
              b, loc, index(0), kw, index(1), accH,
              [&](OpBuilder &nb2, Location, Value kwIv, ValueRange acc) {
                OpBuilder::InsertionGuard guard2(b);
                b.setInsertionPoint(nb2.getInsertionBlock(), nb2.getInsertionPoint());
                Value wv = loadVector(b, loc, dw.filter, {khIv, kwIv, c0}, width, mask);
                Value tap = mul(kwIv, dw.dilations[1]);
                SmallVector<Value> next;
                for (int64_t t = 0; t < pixels; ++t) {
                  Value iw = add(mul(owIv[t], dw.strides[1]), tap);
                  Value x = loadVector(b, loc, dw.input, {nIv, ih, iw, c0}, width, mask);
                  next.push_back(vector::FMAOp::create(b, loc, x, wv, acc[t]));
                }
                scf::YieldOp::create(b, loc, next);
              });
          scf::YieldOp::create(b, loc, kwLoop.getResults());
        });
    Value out = epi ? epi->output : dw.output;
    for (int64_t t = 0; t < pixels; ++t) {
      Value value = khLoop.getResult(t);
      if (epi) {
        // Iteration dims of the depthwise generic: (n, oh, ow, kh, kw, c).
        value = emitVectorEpilogue(b, loc, *epi, value, /*vectorDim=*/5, width, mask,
                                   [&](AffineMap map) {
                                     Value iv[6] = {nIv, ohIv, owIv[t], Value(), Value(), c0};
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
      storeVector(b, loc, value, out, {nIv, ohIv, owIv[t], c0}, mask);
    }
  }

  OpBuilder &b;
  Location loc;
  const Depthwise &dw;
  const Epilogue *epi;
  int64_t width;
  bool masked = true;
  Value ow, channels, kh, kw, nIv, ohIv;
};

} // namespace

void emitDepthwise(OpBuilder &builder, const Depthwise &dw, const Epilogue *epilogue,
                   int64_t width) {
  DepthwiseEmitter(builder, dw, epilogue, width).emit();
}

} // namespace kiln::cpu
