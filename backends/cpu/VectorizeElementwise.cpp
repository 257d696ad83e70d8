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
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"
#include "backends/cpu/Passes.h"

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

/// Whether `op` can run as vectors along its innermost loop (see the file comment).
bool vectorizable(linalg::GenericOp op) {
  if (!op->hasAttr("kiln.vectorize") || !op.hasPureBufferSemantics() ||
      op.getNumReductionLoops() != 0 || op.getNumLoops() == 0)
    return false;
  unsigned inner = op.getNumLoops() - 1;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!type || !type.getElementType().isF32() || map.getNumResults() == 0 ||
        map.getResults().back() != getAffineDimExpr(inner, op.getContext()) ||
        !kiln::cpu::innermostContiguous(operand.get()))
      return false;
    // The innermost dim must appear nowhere else (a plain walk along the vector).
    for (AffineExpr e : map.getResults().drop_back())
      if (e.isFunctionOfDim(inner))
        return false;
  }
  for (Operation &bodyOp : op.getBody()->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(bodyOp)) {
      if (index.getDim() >= inner) // the vector dim's index would be a vector of indices
        return false;
      continue;
    }
    if (bodyOp.getDialect()->getNamespace() != "arith" || bodyOp.getNumRegions() != 0)
      return false;
  }
  return true;
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
          IRMapping map;
          for (OpOperand *input : op.getDpsInputOperands())
            map.map(body->getArgument(input->getOperandNumber()),
                    kiln::cpu::loadVector(b, loc, input->get(), at(*input), width, mask));
          for (Operation &scalar : body->without_terminator()) {
            if (auto index = dyn_cast<linalg::IndexOp>(scalar)) {
              map.map(index.getResult(), iv[index.getDim()]);
              continue;
            }
            // Ops on values the same for every lane (outer indices, constants) stay
            // scalar: a pixel's parity, say, costs one compare per vector, not W.
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
                mapped = vector::BroadcastOp::create(
                    b, loc, VectorType::get({width}, mapped.getType()), mapped);
              operands.push_back(mapped);
            }
            OperationState state(loc, scalar.getName());
            state.addOperands(operands);
            state.addAttributes(scalar.getAttrs());
            for (Type t : scalar.getResultTypes())
              state.addTypes(VectorType::get({width}, t));
            map.map(scalar.getResults(), b.create(state)->getResults());
          }
          for (auto [q, init] : llvm::enumerate(op.getDpsInitsMutable())) {
            Value value = body->getTerminator()->getOperand(q);
            Value mapped = map.lookupOrDefault(value);
            if (!isa<VectorType>(mapped.getType())) // uniform, or from above the body
              mapped = vector::BroadcastOp::create(
                  b, loc, VectorType::get({width}, mapped.getType()), mapped);
            kiln::cpu::storeVector(b, loc, mapped, init.get(), at(init), mask);
          }
          scf::YieldOp::create(b, loc);
        });
  };
  if (inner == 0) {
    emitInner({});
  } else {
    scf::ParallelOp::create(b, loc, lbs, ubs, steps,
                            [&](OpBuilder &nb, Location, ValueRange ivs) {
                              OpBuilder::InsertionGuard guard(b);
                              b.setInsertionPoint(nb.getInsertionBlock(),
                                                  nb.getInsertionPoint());
                              emitInner(ivs);
                            });
  }
  op->erase();
}

struct VectorizeElementwisePass
    : kiln::cpu::impl::VectorizeElementwiseBase<VectorizeElementwisePass> {
  using VectorizeElementwiseBase::VectorizeElementwiseBase;

  void runOnOperation() override {
    if (vectorWidth <= 0)
      return;
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (vectorizable(op))
        ops.push_back(op);
    });
    for (linalg::GenericOp op : ops)
      vectorize(op, vectorWidth);
  }
};

} // namespace
