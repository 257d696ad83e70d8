//===- LowerChecks.cpp - kiln.check to a failure branch and an early return ===//
//
// A failed check must stop the run before any later kernel reads or writes out of
// bounds. Generated code has no exceptions and must not longjmp (a check may fail on a
// worker thread of the runtime's pool), so a failure is an ordinary early return:
// kiln_rt_fail records the error in the run's state (the C glue keeps it in a
// thread-local that it hands to workers), the function returns, and every caller
// that may see a failure asks kiln_rt_failed after the call and returns too. The
// glue's entry points return the recorded status.
//
// Checks are emitted by the onnx-to-linalg lowering between kernels (a hoisted
// min/max over the index tensor, then one check), so in practice they sit in the
// entry function; the call-site rule exists for checks in outlined parallel bodies
// and in functions called from the entry.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"
#include "ir/kiln/KilnDialect.h"
#include "kiln/NodeLoc.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

namespace kiln {
#define GEN_PASS_DEF_LOWERCHECKS
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using kiln::kilnir::CheckOp;

namespace {

/// Declares `func.func private @name(inputs) -> results` unless it exists.
func::FuncOp declare(ModuleOp module, OpBuilder &b, StringRef name, TypeRange inputs,
                     TypeRange results) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto fn = func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType(inputs, results));
  fn.setPrivate();
  return fn;
}

/// Returns from the function that holds the insertion point, with poison results.
void createEarlyReturn(OpBuilder &b, Location loc, func::FuncOp fn) {
  SmallVector<Value> results;
  for (Type type : fn.getResultTypes())
    results.push_back(ub::PoisonOp::create(b, loc, type));
  func::ReturnOp::create(b, loc, results);
}

/// `v` (an integer or index) as i64, for the message.
Value toI64(OpBuilder &b, Location loc, Value v) {
  Type i64 = b.getI64Type();
  if (v.getType().isIndex())
    return arith::IndexCastOp::create(b, loc, i64, v);
  unsigned width = v.getType().getIntOrFloatBitWidth();
  if (width == 64)
    return v;
  if (width > 64)
    return arith::TruncIOp::create(b, loc, i64, v);
  if (width == 1) // a flag: print 0 or 1, not -1
    return arith::ExtUIOp::create(b, loc, i64, v);
  return arith::ExtSIOp::create(b, loc, i64, v);
}

/// Follows each heap allocation with a check that it is not NULL: the glue's allocator
/// (the session's, through the host hooks) returns NULL when it fails, and the run
/// must stop with KILN_MODEL_ERROR_MEMORY rather than write through it.
void checkAllocations(ModuleOp module, OpBuilder &b) {
  module.walk([&](memref::AllocOp alloc) {
    Location loc = alloc.getLoc();
    b.setInsertionPointAfter(alloc);
    MemRefType type = alloc.getType();
    Type elem = type.getElementType();
    int64_t elemBytes = elem.isIntOrFloat() ? std::max<int64_t>(1, elem.getIntOrFloatBitWidth() / 8)
                                            : 8;
    int64_t staticElems = 1;
    for (int64_t d : type.getShape())
      staticElems *= ShapedType::isDynamic(d) ? 1 : d;
    Value bytes = arith::ConstantIndexOp::create(b, loc, staticElems * elemBytes);
    for (Value size : alloc.getDynamicSizes())
      bytes = arith::MulIOp::create(b, loc, bytes, size);
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, alloc.getResult());
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, address, zero);
    std::string who =
        kiln::nodeNames(loc).empty() ? std::string("the model") : kiln::describeNode(loc);
    CheckOp::create(b, loc, ok, bytes, zero, b.getI32IntegerAttr(kiln::kilnir::kCheckMemory),
                    b.getStringAttr(who + ": cannot allocate {} bytes for an intermediate "
                                          "buffer (the session allocator returned NULL)"));
  });
}

struct LowerChecksPass : kiln::impl::LowerChecksBase<LowerChecksPass> {
  using LowerChecksBase::LowerChecksBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Type i32 = b.getI32Type(), i64 = b.getI64Type(), ptr = LLVM::LLVMPointerType::get(ctx);
    if (checkAllocs)
      checkAllocations(module, b);

    SmallVector<CheckOp> checks;
    WalkResult walk = module.walk([&](CheckOp check) {
      if (!isa<func::FuncOp>(check->getParentOp())) {
        check.emitOpError() << "inside '" << check->getParentOp()->getName()
                            << "' cannot be lowered: kiln-lower-checks runs on functions "
                               "whose structured control flow is already lowered to cf";
        return WalkResult::interrupt();
      }
      checks.push_back(check);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (checks.empty())
      return;

    // Functions that may fail: those with a check, and their callers (a dispatch of
    // a parallel loop calls its outlined body), to a fixpoint.
    llvm::SmallPtrSet<Operation *, 8> mayFail;
    for (CheckOp check : checks)
      mayFail.insert(check->getParentOp());
    auto calleeOf = [&](func::CallOp call) -> Operation * {
      StringRef name = call.getCallee();
      if (name.starts_with(kiln::kDispatchPrefix))
        return module.lookupSymbol(
            (kiln::kParallelBodyPrefix + name.drop_front(kiln::kDispatchPrefix.size()))
                .str());
      return module.lookupSymbol(name);
    };
    SmallVector<func::CallOp> failingCalls;
    for (bool changed = true; changed;) {
      changed = false;
      failingCalls.clear();
      module.walk([&](func::CallOp call) {
        Operation *callee = calleeOf(call);
        if (!callee || !mayFail.contains(callee))
          return;
        failingCalls.push_back(call);
        changed |= mayFail.insert(call->getParentOfType<func::FuncOp>()).second;
      });
    }

    func::FuncOp fail = declare(module, b, kiln::kRuntimeFail, {i32, ptr, i64, i64}, {});
    func::FuncOp failed = declare(module, b, kiln::kRuntimeFailed, {}, {i32});

    // One message global per distinct text.
    llvm::StringMap<LLVM::GlobalOp> messages;
    auto messageGlobal = [&](StringRef text) {
      LLVM::GlobalOp &global = messages[text];
      if (global)
        return global;
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      std::string data = text.str();
      data.push_back('\0');
      auto type = LLVM::LLVMArrayType::get(b.getI8Type(), data.size());
      global = LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                                      LLVM::Linkage::Internal,
                                      ("kiln_check_msg" + Twine(messages.size() - 1)).str(),
                                      b.getStringAttr(data));
      return global;
    };

    // Splits the block after `op`'s position (op moves into the continuation when
    // `before` is true) and branches to a new failure block on `!ok`; returns the
    // failure block with the insertion point in it.
    auto branchOnFailure = [&](Operation *op, Value ok, bool before) -> Block * {
      Block *head = op->getBlock();
      Block *tail = head->splitBlock(before ? Block::iterator(op) : std::next(op->getIterator()));
      Block *failure = b.createBlock(tail);
      b.setInsertionPointToEnd(head);
      cf::CondBranchOp::create(b, op->getLoc(), ok, tail, ValueRange{}, failure, ValueRange{});
      b.setInsertionPointToStart(failure);
      return failure;
    };

    for (CheckOp check : checks) {
      Location loc = check.getLoc();
      auto fn = cast<func::FuncOp>(check->getParentOp());
      branchOnFailure(check, check.getOk(), /*before=*/true);
      Value message = LLVM::AddressOfOp::create(b, loc, messageGlobal(check.getMessage()));
      Value code = arith::ConstantIntOp::create(b, loc, i32, check.getCode());
      func::CallOp::create(b, loc, fail,
                           ValueRange{code, message, toI64(b, loc, check.getA()),
                                      toI64(b, loc, check.getB())});
      createEarlyReturn(b, loc, fn);
      check.erase();
    }

    // After a call that may have failed (on any thread), stop too.
    for (func::CallOp call : failingCalls) {
      Location loc = call.getLoc();
      b.setInsertionPointAfter(call);
      Value status = func::CallOp::create(b, loc, failed, ValueRange{}).getResult(0);
      Value zero = arith::ConstantIntOp::create(b, loc, i32, 0);
      Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, status, zero);
      branchOnFailure(ok.getDefiningOp(), ok, /*before=*/false);
      createEarlyReturn(b, loc, call->getParentOfType<func::FuncOp>());
    }
  }
};

} // namespace
