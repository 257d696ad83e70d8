//===- VectorizeElementwise.cpp - Marked elementwise generics on vectors ---===//
//
//   linalg.generic {kiln.vectorize} over (d0, ..., dr) on buffers
//     ->
//   scf.parallel (d0, ..., d(r-1)) {
//     scf.for %j = 0 to size(dr) step W {
//       mask = lanes j .. min(j + W, size) (none when W divides a static size)
//       v_q = masked load of input q at map_q(d..., j)
//       body cloned on W-lane vectors (ops on uniform values, such as linalg.index of
//       an outer dim, stay scalar); masked stores of the yields at map_out(d..., j)
//     }
//   }
//
// W is vector-width f32 lanes, more for narrower elements (64 for an 8-bit copy). An
// input read at map_q may add other dims to the innermost index (im2col's ow + kw).
//
// Interleaving copies (no mark needed: LLVM's loop vectorizer leaves them scalar). An
// elementwise generic whose output's innermost dim is a short static loop `inner`
// (2 to 8 elements: a ConvTranspose's taps when kernel = stride, a DepthToSpace) that the
// inputs do not read along, and whose next dim is the loop `reader` along which the inputs
// read whole rows, writes every S-th element per input row when walked in loop order:
//
//   scf.parallel (other loops) {
//     scf.for %j = 0 to size(reader) step W {
//       for s in 0 .. S: body on W-lane rows read at (reader = j.., inner = s)
//       one contiguous (masked) store of the S rows interleaved: out[.., j * S + S * W]
//     }
//   }
//
// (A [1, 24, 320, 320] ConvTranspose output, kernel = stride = 2, with its bias: the
// permutation copy went from 2.7 to 0.9 ms, 1 thread, AMD Zen 4.)
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"
#include "backends/cpu/Passes.h"

#include "mlir/Analysis/FlatLinearValueConstraints.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_VECTORIZEELEMENTWISE
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// Whether `op` can be cloned on vectors lane by lane: an arith or math op (the math
/// dialect's are elementwise too; after kiln-approximate-math an exp is arith ops and
/// math.fma, which a Sigmoid or SiLU fused into a Winograd output transform brings in).
bool isLaneWise(Operation &op) {
  StringRef dialect = op.getDialect()->getNamespace();
  if (op.getNumRegions() != 0)
    return false;
  return dialect == "arith" ||
         (dialect == "math" && OpTrait::hasElementwiseMappableTraits(&op));
}

/// How an operand of a marked generic is read along the innermost loop `inner`.
enum class Access { Row, Strided, Uniform, None };

/// The element types the vectors take: f32 and the 8-, 16- and 32-bit integers (an
/// 8-bit convolution's im2col columns).
bool vectorElement(Type t) {
  return t.isF32() || (t.isSignlessInteger() && llvm::is_contained({8u, 16u, 32u},
                                                                    t.getIntOrFloatBitWidth()));
}

/// The step of `e` along `inner` when `e` is linear (step * `inner` plus other dims and a
/// constant: an im2col read, ow * stride + kw), else nullopt.
std::optional<int64_t> stepAlong(AffineExpr e, unsigned inner, unsigned numDims) {
  // [dims..., locals (floordiv/mod terms)..., constant]
  SmallVector<int64_t> flat;
  if (failed(getFlattenedAffineExpr(e, numDims, /*numSymbols=*/0, &flat)) ||
      flat.size() != numDims + 1)
    return std::nullopt;
  return flat[inner];
}

/// The largest step of a Strided input: it is read as step x W contiguous lanes.
constexpr int64_t kMaxStep = 4;

/// Row: its last index is `inner` (plus terms of other dims) and no other index uses
/// `inner`, its innermost dim contiguous; Strided: the same with `inner` scaled by 2 to
/// kMaxStep (a strided convolution's im2col), inputs only; Uniform: no index uses `inner`
/// (a depthwise convolution's per-channel weight), so one scalar serves a vector. `step`,
/// if given, receives a Row or Strided input's step.
Access accessOf(linalg::GenericOp op, OpOperand &operand, unsigned inner,
                int64_t *step = nullptr) {
  auto type = dyn_cast<MemRefType>(operand.get().getType());
  AffineMap map = op.getMatchingIndexingMap(&operand);
  if (!type || !vectorElement(type.getElementType()) || map.getNumResults() == 0)
    return Access::None;
  if (!map.isFunctionOfDim(inner))
    return Access::Uniform;
  for (AffineExpr e : map.getResults().drop_back())
    if (e.isFunctionOfDim(inner))
      return Access::None;
  std::optional<int64_t> along = stepAlong(map.getResults().back(), inner, map.getNumDims());
  if (!along || *along < 1 || *along > kMaxStep || !kiln::cpu::innermostContiguous(operand.get()))
    return Access::None;
  if (step)
    *step = *along;
  return *along == 1 ? Access::Row : Access::Strided;
}

/// Every `step`-th of step * `width` elements read from `memref` at `idx`, lane 0 first:
/// a row read with a stride. The load is masked to the elements the `count` lanes left
/// (from the row's end) need, so it never reads past the last of them.
Value loadStridedRow(OpBuilder &b, Location loc, Value memref, ValueRange idx, int64_t width,
                     int64_t step, Value count) {
  Type element = cast<MemRefType>(memref.getType()).getElementType();
  auto wideType = VectorType::get({width * step}, element);
  Value needed = arith::SubIOp::create(
      b, loc, arith::MulIOp::create(b, loc, count, arith::ConstantIndexOp::create(b, loc, step)),
      arith::ConstantIndexOp::create(b, loc, step - 1));
  Value mask = vector::CreateMaskOp::create(
      b, loc, VectorType::get({width * step}, b.getI1Type()), ValueRange{needed});
  Value zero = arith::ConstantOp::create(b, loc, wideType, b.getZeroAttr(wideType));
  Value wide = vector::MaskedLoadOp::create(b, loc, wideType, memref, idx, mask, zero);
  SmallVector<int64_t> lanes;
  for (int64_t i = 0; i < width; ++i)
    lanes.push_back(i * step);
  return vector::ShuffleOp::create(b, loc, wide, wide, lanes);
}

/// Whether `op` can run as vectors along its innermost loop (see the file comment).
bool vectorizable(linalg::GenericOp op) {
  if (!op->hasAttr("kiln.vectorize") || !op.hasPureBufferSemantics() ||
      op.getNumReductionLoops() != 0 || op.getNumLoops() == 0)
    return false;
  unsigned inner = op.getNumLoops() - 1;
  for (OpOperand *input : op.getDpsInputOperands())
    if (accessOf(op, *input, inner) == Access::None)
      return false;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    // Outputs are stored as rows, and not read.
    if (accessOf(op, init, inner) != Access::Row ||
        !op.getMatchingBlockArgument(&init).use_empty())
      return false;
  }
  for (Operation &bodyOp : op.getBody()->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(bodyOp)) {
      if (index.getDim() >= inner) // the vector dim's index would be a vector of indices
        return false;
      continue;
    }
    if (!isLaneWise(bodyOp))
      return false;
  }
  return true;
}

/// Clones `op`'s body (arith ops and linalg.index of loops that `iv` gives) on
/// `width`-lane vectors, `map` holding the block arguments' values (vectors, or scalars
/// the same for every lane). Ops on uniform values stay scalar: a pixel's parity, say,
/// costs one compare per vector, not W.
void cloneBodyOnVectors(OpBuilder &b, Location loc, linalg::GenericOp op, IRMapping &map,
                        ArrayRef<Value> iv, int64_t width) {
  for (Operation &scalar : op.getBody()->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(scalar)) {
      map.map(index.getResult(), iv[index.getDim()]);
      continue;
    }
    bool uniform = llvm::none_of(scalar.getOperands(), [&](Value v) {
      return isa<VectorType>(map.lookupOrDefault(v).getType());
    });
    if (uniform) {
      b.clone(scalar, map);
      continue;
    }
    SmallVector<Value> operands;
    for (Value v : scalar.getOperands()) {
      Value mapped = map.lookupOrDefault(v);
      if (!isa<VectorType>(mapped.getType())) // uniform: splat it
        mapped = vector::BroadcastOp::create(b, loc, VectorType::get({width}, mapped.getType()),
                                             mapped);
      operands.push_back(mapped);
    }
    OperationState state(loc, scalar.getName());
    state.addOperands(operands);
    state.addAttributes(scalar.getAttrs());
    for (Type t : scalar.getResultTypes())
      state.addTypes(VectorType::get({width}, t));
    map.map(scalar.getResults(), b.create(state)->getResults());
  }
}

/// The value `op`'s body yields for init `q`, as a `width`-lane vector.
Value yieldedVector(OpBuilder &b, Location loc, linalg::GenericOp op, IRMapping &map,
                    unsigned q, int64_t width) {
  Value mapped = map.lookupOrDefault(op.getBody()->getTerminator()->getOperand(q));
  if (!isa<VectorType>(mapped.getType())) // uniform, or from above the body
    mapped = vector::BroadcastOp::create(b, loc, VectorType::get({width}, mapped.getType()),
                                         mapped);
  return mapped;
}

/// Calls `body` with the ivs of an scf.parallel over (lbs, ubs, steps) built at `b`'s
/// insertion point, `b` inserting inside it; with no loops, once with none.
void emitOverOuterLoops(OpBuilder &b, Location loc, ValueRange lbs, ValueRange ubs,
                        ValueRange steps, llvm::function_ref<void(ValueRange)> body) {
  if (lbs.empty()) {
    body({});
    return;
  }
  scf::ParallelOp::create(b, loc, lbs, ubs, steps, [&](OpBuilder &nb, Location, ValueRange ivs) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
    body(ivs);
  });
}

void vectorize(linalg::GenericOp op, int64_t width) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Range> ranges = linalg::LinalgOp(op.getOperation()).createLoopRanges(b, loc);
  unsigned inner = op.getNumLoops() - 1;
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  SmallVector<Value> lbs, ubs, steps;
  for (unsigned d = 0; d < inner; ++d) {
    lbs.push_back(index(0));
    ubs.push_back(getValueOrCreateConstantIndexOp(b, loc, ranges[d].size));
    steps.push_back(index(1));
  }
  OpFoldResult innerSize = ranges[inner].size;
  std::optional<int64_t> staticInner = getConstantIntValue(innerSize);
  bool needMask = !staticInner || *staticInner % width != 0;
  Block *body = op.getBody();

  auto emitInner = [&](ValueRange outer) {
    Value size = getValueOrCreateConstantIndexOp(b, loc, innerSize);
    // Uniform inputs (their maps do not use the innermost loop) are read once per row.
    IRMapping uniforms;
    for (OpOperand *input : op.getDpsInputOperands()) {
      if (accessOf(op, *input, inner) != Access::Uniform)
        continue;
      SmallVector<Value> iv(outer.begin(), outer.end());
      iv.push_back(Value()); // not used by the map
      SmallVector<Value> idx;
      for (AffineExpr e : op.getMatchingIndexingMap(input).getResults())
        idx.push_back(kiln::cpu::emitIndex(b, loc, e, iv));
      uniforms.map(body->getArgument(input->getOperandNumber()),
                   memref::LoadOp::create(b, loc, input->get(), idx).getResult());
    }
    scf::ForOp::create(
        b, loc, index(0), size, index(width), ValueRange{},
        [&](OpBuilder &nb, Location, Value j, ValueRange) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          SmallVector<Value> iv(outer.begin(), outer.end());
          iv.push_back(j);
          Value mask;
          if (needMask)
            mask = vector::CreateMaskOp::create(
                b, loc, VectorType::get({width}, b.getI1Type()),
                ValueRange{arith::SubIOp::create(b, loc, size, j)});
          auto at = [&](OpOperand &operand) {
            SmallVector<Value> idx;
            for (AffineExpr e : op.getMatchingIndexingMap(&operand).getResults())
              idx.push_back(kiln::cpu::emitIndex(b, loc, e, iv));
            return idx;
          };
          IRMapping map = uniforms;
          for (OpOperand *input : op.getDpsInputOperands()) {
            int64_t step = 1;
            Access access = accessOf(op, *input, inner, &step);
            Value row;
            if (access == Access::Row)
              row = kiln::cpu::loadVector(b, loc, input->get(), at(*input), width, mask);
            else if (access == Access::Strided)
              row = loadStridedRow(b, loc, input->get(), at(*input), width, step,
                                   arith::SubIOp::create(b, loc, size, j));
            if (row)
              map.map(body->getArgument(input->getOperandNumber()), row);
          }
          cloneBodyOnVectors(b, loc, op, map, iv, width);
          for (auto [q, init] : llvm::enumerate(op.getDpsInitsMutable())) {
            kiln::cpu::storeVector(b, loc, yieldedVector(b, loc, op, map, q, width), init.get(),
                                   at(init), mask);
          }
          scf::YieldOp::create(b, loc);
        });
  };
  emitOverOuterLoops(b, loc, lbs, ubs, steps, emitInner);
  op->erase();
}

/// An interleaving copy's loops (see the file comment): `inner`, the output's innermost
/// dim, of static size `taps`; `reader`, its next dim, along which inputs read rows.
struct Interleave {
  unsigned inner, reader;
  int64_t taps;
};

std::optional<Interleave> matchInterleave(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumReductionLoops() != 0 ||
      op.getNumLoops() < 2 || op.getNumDpsInits() == 0)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  std::optional<Interleave> found;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    auto type = dyn_cast<MemRefType>(init.get().getType());
    AffineMap map = op.getMatchingIndexingMap(&init);
    if (!type || !type.getElementType().isF32() || map.getNumResults() < 2 ||
        !op.getMatchingBlockArgument(&init).use_empty())
      return std::nullopt;
    auto inner = dyn_cast<AffineDimExpr>(map.getResults().back());
    auto reader = dyn_cast<AffineDimExpr>(map.getResults()[map.getNumResults() - 2]);
    if (!inner || !reader)
      return std::nullopt;
    int64_t rank = type.getRank(), taps = type.getDimSize(rank - 1);
    SmallVector<int64_t> strides;
    int64_t offset;
    if (ShapedType::isDynamic(taps) || taps < 2 || taps > 8 ||
        failed(type.getStridesAndOffset(strides, offset)) || strides[rank - 1] != 1 ||
        strides[rank - 2] != taps)
      return std::nullopt;
    for (AffineExpr e : map.getResults().drop_back(2))
      if (e.isFunctionOfDim(inner.getPosition()) || e.isFunctionOfDim(reader.getPosition()))
        return std::nullopt;
    Interleave here{inner.getPosition(), reader.getPosition(), taps};
    if (found && (found->inner != here.inner || found->reader != here.reader))
      return std::nullopt;
    found = here;
  }
  // Every input reads a row along `reader` (and nothing else of it), or is the same
  // along it; at least one reads rows, or there is nothing to vectorize.
  bool rows = false;
  AffineExpr readerExpr = getAffineDimExpr(found->reader, ctx);
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(input->get().getType());
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
    if (!map.isFunctionOfDim(found->reader))
      continue;
    if (map.getResults().back() != readerExpr || !kiln::cpu::innermostContiguous(input->get()))
      return std::nullopt;
    for (AffineExpr e : map.getResults().drop_back())
      if (e.isFunctionOfDim(found->reader))
        return std::nullopt;
    rows = true;
  }
  if (!rows)
    return std::nullopt;
  for (Operation &bodyOp : op.getBody()->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(bodyOp)) {
      if (index.getDim() == found->reader)
        return std::nullopt;
      continue;
    }
    if (!isLaneWise(bodyOp))
      return std::nullopt;
  }
  return found;
}

/// `rows` (S vectors of W lanes) interleaved into one vector of S * W lanes: lane
/// j * S + s is lane j of row s.
Value interleaveRows(OpBuilder &b, Location loc, ArrayRef<Value> rows, int64_t width) {
  int64_t taps = rows.size();
  Value flat = rows[0];
  for (int64_t s = 1; s < taps; ++s) {
    auto concat = llvm::to_vector(llvm::seq<int64_t>(0, (s + 1) * width));
    flat = vector::ShuffleOp::create(b, loc, flat, rows[s], concat);
  }
  SmallVector<int64_t> order;
  for (int64_t j = 0; j < width; ++j)
    for (int64_t s = 0; s < taps; ++s)
      order.push_back(s * width + j);
  return vector::ShuffleOp::create(b, loc, flat, flat, order);
}

void vectorizeInterleave(linalg::GenericOp op, Interleave il, int64_t width) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Range> ranges = linalg::LinalgOp(op.getOperation()).createLoopRanges(b, loc);
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  unsigned loops = op.getNumLoops();
  SmallVector<unsigned> outerDims;
  SmallVector<Value> lbs, ubs, steps;
  for (unsigned d = 0; d < loops; ++d) {
    if (d == il.inner || d == il.reader)
      continue;
    outerDims.push_back(d);
    lbs.push_back(index(0));
    ubs.push_back(getValueOrCreateConstantIndexOp(b, loc, ranges[d].size));
    steps.push_back(index(1));
  }
  OpFoldResult readerSize = ranges[il.reader].size;
  std::optional<int64_t> staticReader = getConstantIntValue(readerSize);
  bool needMask = !staticReader || *staticReader % width != 0;
  // The outputs with their [reader, inner] dims merged into one row.
  SmallVector<Value> flatInits;
  for (Value init : op.getDpsInits()) {
    int64_t rank = cast<MemRefType>(init.getType()).getRank();
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < rank - 2; ++d)
      groups.push_back({d});
    groups.push_back({rank - 2, rank - 1});
    flatInits.push_back(memref::CollapseShapeOp::create(b, loc, init, groups));
  }
  Block *body = op.getBody();

  auto emitRows = [&](ValueRange outer) {
    Value size = getValueOrCreateConstantIndexOp(b, loc, readerSize);
    scf::ForOp::create(
        b, loc, index(0), size, index(width), ValueRange{},
        [&](OpBuilder &nb, Location, Value j, ValueRange) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          SmallVector<Value> iv(loops);
          for (auto [d, v] : llvm::zip(outerDims, outer))
            iv[d] = v;
          iv[il.reader] = j;
          Value mask, storeMask;
          if (needMask) {
            Value left = arith::SubIOp::create(b, loc, size, j);
            mask = vector::CreateMaskOp::create(b, loc, VectorType::get({width}, b.getI1Type()),
                                                ValueRange{left});
            storeMask = vector::CreateMaskOp::create(
                b, loc, VectorType::get({width * il.taps}, b.getI1Type()),
                ValueRange{arith::MulIOp::create(b, loc, left, index(il.taps))});
          }
          auto at = [&](OpOperand &operand) {
            SmallVector<Value> idx;
            for (AffineExpr e : op.getMatchingIndexingMap(&operand).getResults())
              idx.push_back(kiln::cpu::emitIndex(b, loc, e, iv));
            return idx;
          };
          SmallVector<SmallVector<Value>> rows(op.getNumDpsInits());
          for (int64_t t = 0; t < il.taps; ++t) {
            iv[il.inner] = index(t);
            IRMapping map;
            for (OpOperand *input : op.getDpsInputOperands()) {
              Value value =
                  op.getMatchingIndexingMap(input).isFunctionOfDim(il.reader)
                      ? kiln::cpu::loadVector(b, loc, input->get(), at(*input), width, mask)
                      : memref::LoadOp::create(b, loc, input->get(), at(*input)).getResult();
              map.map(body->getArgument(input->getOperandNumber()), value);
            }
            cloneBodyOnVectors(b, loc, op, map, iv, width);
            for (unsigned q = 0; q < op.getNumDpsInits(); ++q)
              rows[q].push_back(yieldedVector(b, loc, op, map, q, width));
          }
          iv[il.inner] = index(0);
          for (auto [q, init] : llvm::enumerate(op.getDpsInitsMutable())) {
            SmallVector<Value> idx = at(init);
            idx.pop_back();
            idx.back() = arith::MulIOp::create(b, loc, j, index(il.taps));
            kiln::cpu::storeVector(b, loc, interleaveRows(b, loc, rows[q], width),
                                   flatInits[q], idx, storeMask);
          }
          scf::YieldOp::create(b, loc);
        });
  };
  emitOverOuterLoops(b, loc, lbs, ubs, steps, emitRows);
  op->erase();
}

struct VectorizeElementwisePass
    : kiln::cpu::impl::VectorizeElementwiseBase<VectorizeElementwisePass> {
  using VectorizeElementwiseBase::VectorizeElementwiseBase;

  void runOnOperation() override {
    if (vectorWidth <= 0)
      return;
    SmallVector<linalg::GenericOp> ops;
    SmallVector<std::pair<linalg::GenericOp, Interleave>> interleaves;
    getOperation().walk([&](linalg::GenericOp op) {
      if (vectorizable(op))
        ops.push_back(op);
      else if (std::optional<Interleave> il = matchInterleave(op))
        interleaves.push_back({op, *il});
    });
    for (linalg::GenericOp op : ops) {
      // vector-width counts f32 lanes; narrower elements fill the same registers.
      unsigned widest = 8;
      for (Value v : op->getOperands())
        widest = std::max(widest, cast<MemRefType>(v.getType()).getElementTypeBitWidth());
      vectorize(op, vectorWidth * 32 / widest);
    }
    for (auto [op, il] : interleaves)
      vectorizeInterleave(op, il, vectorWidth);
  }
};

} // namespace
