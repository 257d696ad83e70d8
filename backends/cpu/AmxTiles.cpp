//===- AmxTiles.cpp - The AMX block loop shared by the bf16 and 8-bit kernels ===//
//
// Both kernels (Bf16Kernel.cpp, Int8Kernel.cpp) compute a 32 x 32 block of C as 2 x 2
// tiles of 16 x 16 (f32 or i32) over steps of k, each step loading two A tiles (16 rows)
// and two B tiles (the two 16-column halves of a 32-column panel) and running four tile
// products. Between chunks of steps the C tiles live in a 32 x 32 stack scratch (an x86
// tile cannot be loop-carried cheaply), so each chunk loads and stores them once.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace kiln::cpu {

void emitAmxBlockSteps(OpBuilder &b, Location loc, Value scratch, Value steps, bool zeroStart,
                       amx::TileType abType, amx::TileType cType, Value aBuffer,
                       llvm::function_ref<SmallVector<Value>(int64_t, Value)> aIndex,
                       Value bBuffer, llvm::function_ref<SmallVector<Value>(int64_t, Value)> bIndex,
                       llvm::function_ref<Value(Value, Value, Value)> multiply) {
  // Steps between the scratch's loads and stores. A tile load of what a tile store just
  // wrote waits for the store to complete (nothing is forwarded), so every chunk costs a
  // stall: a static count of up to kWhole steps runs as one chunk.
  constexpr int64_t unroll = 4, kWhole = 16;
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  auto cIndex = [&](int64_t t) { return SmallVector<Value>{index(t / 2 * 16), index(t % 2 * 16)}; };
  // `count` steps from step `first`, C's tiles in registers in between, starting from
  // zero tiles or from the scratch.
  auto chunk = [&](Value first, int64_t count, bool fromZero) {
    SmallVector<Value> c;
    for (int64_t t = 0; t < 4; ++t)
      c.push_back(fromZero ? amx::TileZeroOp::create(b, loc, cType).getResult()
                           : amx::TileLoadOp::create(b, loc, cType, scratch, cIndex(t)).getResult());
    for (int64_t s = 0; s < count; ++s) {
      Value step = arith::AddIOp::create(b, loc, first, index(s));
      Value a[2], bt[2];
      for (int64_t h = 0; h < 2; ++h) {
        a[h] = amx::TileLoadOp::create(b, loc, abType, aBuffer, aIndex(h, step));
        bt[h] = amx::TileLoadOp::create(b, loc, abType, bBuffer, bIndex(h, step));
      }
      for (int64_t t = 0; t < 4; ++t)
        c[t] = multiply(a[t / 2], bt[t % 2], c[t]);
    }
    for (int64_t t = 0; t < 4; ++t)
      amx::TileStoreOp::create(b, loc, scratch, cIndex(t), c[t]);
  };
  OpBuilder::InsertionGuard guard(b);
  std::optional<int64_t> known = getConstantIntValue(steps);
  if (known && *known <= kWhole) {
    chunk(index(0), *known, zeroStart);
    return;
  }
  // The first chunk starts from zero tiles (a static count here is > kWhole; a run-time
  // one may be 0, and then the block is zero).
  Value start = index(0);
  if (zeroStart && known) {
    chunk(index(0), unroll, true);
    start = index(unroll);
  } else if (zeroStart) {
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, steps, index(0));
    auto ifOp = scf::IfOp::create(b, loc, any, /*withElseRegion=*/true);
    b.setInsertionPointToStart(ifOp.thenBlock());
    chunk(index(0), 1, true);
    b.setInsertionPointToStart(ifOp.elseBlock());
    chunk(index(0), 0, true);
    b.setInsertionPointAfter(ifOp);
    start = arith::MinUIOp::create(b, loc, steps, index(1));
  }
  Value left = arith::SubIOp::create(b, loc, steps, start);
  Value full = arith::DivUIOp::create(b, loc, left, index(unroll));
  Value tailStart =
      arith::AddIOp::create(b, loc, start, arith::MulIOp::create(b, loc, full, index(unroll)));
  auto loop = scf::ForOp::create(b, loc, index(0), full, index(1));
  b.setInsertionPointToStart(loop.getBody());
  chunk(arith::AddIOp::create(b, loc, start,
                              arith::MulIOp::create(b, loc, loop.getInductionVar(), index(unroll))),
        unroll, false);
  b.setInsertionPointAfter(loop);
  auto tail = scf::ForOp::create(b, loc, tailStart, steps, index(1));
  b.setInsertionPointToStart(tail.getBody());
  chunk(tail.getInductionVar(), 1, false);
}

void emitAmxBlocks(OpBuilder &b, Location loc, Value batch, Value panels, Value rowBlocks,
                   Value panelBytes, Type scratchElement,
                   llvm::function_ref<Value(Value, Value)> prologue,
                   llvm::function_ref<void(Value, Value, Value, Value, Value)> body) {
  // Every CPU with AMX has at least 2 MiB of L2 per core: half of it holds a group's
  // panels of B while the row blocks of A stream past them.
  constexpr int64_t groupBytes = 1 << 20;
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value group = arith::DivUIOp::create(b, loc, index(groupBytes), panelBytes);
  group = arith::MaxUIOp::create(b, loc, group, index(1));
  group = arith::MinUIOp::create(b, loc, group, panels);
  Value groups = arith::CeilDivUIOp::create(b, loc, panels, group);
  Value count = arith::MulIOp::create(b, loc, arith::MulIOp::create(b, loc, batch, groups),
                                      rowBlocks);
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{count}, ValueRange{index(1)},
      [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        SmallVector<Value> parts = emitDelinearize(b, loc, ivs[0], {batch, groups, rowBlocks});
        // On the stack, outside the panel loop: scf.parallel scopes it to the iteration (and
        // kiln-outline-parallel-loops gives each chunk one).
        Value scratch = memref::AllocaOp::create(
            b, loc, MemRefType::get({32, 32}, scratchElement), b.getI64IntegerAttr(64));
        Value blockA = prologue ? prologue(parts[0], parts[2]) : Value();
        Value first = arith::MulIOp::create(b, loc, parts[1], group);
        Value last = arith::MinUIOp::create(b, loc, arith::AddIOp::create(b, loc, first, group),
                                            panels);
        auto loop = scf::ForOp::create(b, loc, first, last, index(1));
        b.setInsertionPointToStart(loop.getBody());
        body(parts[0], loop.getInductionVar(), parts[2], scratch, blockA);
      });
}

Value emitAmxRowBlock(OpBuilder &b, Location loc, MemRefType type, Value firstRow, Value rows,
                      llvm::function_ref<void(Value, Value, Value)> fillRow) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value block = memref::AllocaOp::create(b, loc, type, b.getI64IntegerAttr(64));
  Value lastRow = arith::SubIOp::create(b, loc, rows, index(1));
  auto loop = scf::ForOp::create(b, loc, index(0), index(type.getDimSize(0)), index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value r = loop.getInductionVar();
  // Rows past the last repeat it: they feed C rows that are not stored.
  Value row = arith::MinUIOp::create(b, loc, arith::AddIOp::create(b, loc, firstRow, r), lastRow);
  fillRow(row, r, block);
  return block;
}

bool isZeroInit(const std::optional<TypedAttr> &init) {
  return init && (matchPattern(*init, m_PosZeroFloat()) || matchPattern(*init, m_Zero()));
}

void emitAmxOrFallback(OpBuilder &b, ModuleOp module, Location loc,
                       llvm::function_ref<void()> amx, llvm::function_ref<void()> fallback) {
  constexpr StringLiteral enabled = "kiln_rt_amx_enabled";
  Type i32 = b.getI32Type();
  if (!module.lookupSymbol(enabled)) {
    OpBuilder mb(module.getBodyRegion());
    mb.setInsertionPointToEnd(module.getBody());
    func::FuncOp::create(mb, loc, enabled, mb.getFunctionType({}, {i32})).setPrivate();
  }
  Value granted = func::CallOp::create(b, loc, enabled, TypeRange{i32}, ValueRange{}).getResult(0);
  Value useAmx = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, granted,
                                       arith::ConstantIntOp::create(b, loc, i32, 0));
  auto ifOp = scf::IfOp::create(b, loc, useAmx, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  amx();
  b.setInsertionPointToStart(ifOp.elseBlock());
  fallback();
}

} // namespace kiln::cpu
