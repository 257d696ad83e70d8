//===- LowerParallelDispatch.cpp - Pack captures, call the parallel-for ---===//
//
// After the LLVM conversion every captured value of an outlined parallel body is a
// plain LLVM scalar or pointer (memref descriptors were expanded by func-to-llvm), so
// packing them into a stack struct and unpacking them in a trampoline is simple.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_LOWERPARALLELDISPATCH
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// Declares `void kiln_rt_parallel_for(i64 begin, i64 end, i64 grain, ptr fn, ptr ctx)`.
LLVM::LLVMFuncOp getOrDeclareParallelFor(ModuleOp module, OpBuilder &b) {
  if (auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(kiln::cpu::kRuntimeParallelFor))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  Type i64 = b.getI64Type(), ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(b.getContext()),
                                          {i64, i64, i64, ptr, ptr});
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), kiln::cpu::kRuntimeParallelFor, type);
}

/// Builds `void @<body>_tramp(ptr ctx, i64 begin, i64 end)`, which unpacks the
/// captures from `ctx` (a `structType`) and calls `body(begin, end, captures...)`.
LLVM::LLVMFuncOp buildTrampoline(ModuleOp module, LLVM::LLVMFuncOp body,
                                 LLVM::LLVMStructType structType, OpBuilder &b) {
  MLIRContext *ctx = b.getContext();
  Location loc = body.getLoc();
  Type i64 = b.getI64Type(), ptr = LLVM::LLVMPointerType::get(ctx);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr, i64, i64});
  auto tramp = LLVM::LLVMFuncOp::create(b, loc, (body.getName() + "_tramp").str(), type);
  tramp.setLinkage(LLVM::Linkage::Internal);
  Block *entry = tramp.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  SmallVector<Value> args{entry->getArgument(1), entry->getArgument(2)};
  for (auto [i, fieldType] : llvm::enumerate(structType.getBody())) {
    Value field = LLVM::GEPOp::create(b, loc, ptr, structType, entry->getArgument(0),
                                      ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    args.push_back(LLVM::LoadOp::create(b, loc, fieldType, field));
  }
  LLVM::CallOp::create(b, loc, body, args);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return tramp;
}

struct LowerParallelDispatchPass
    : kiln::cpu::impl::LowerParallelDispatchBase<LowerParallelDispatchPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Type ptr = LLVM::LLVMPointerType::get(ctx);

    SmallVector<LLVM::CallOp> calls;
    module.walk([&](LLVM::CallOp call) {
      if (call.getCallee() && call.getCallee()->starts_with(kiln::kDispatchPrefix))
        calls.push_back(call);
    });
    llvm::StringMap<LLVM::LLVMFuncOp> trampolines;
    for (LLVM::CallOp call : calls) {
      StringRef index = call.getCallee()->drop_front(kiln::kDispatchPrefix.size());
      std::string bodyName = ("kiln_par_body" + index).str();
      auto body = module.lookupSymbol<LLVM::LLVMFuncOp>(bodyName);
      if (!body) {
        call.emitError() << "outlined parallel body @" << bodyName << " is missing";
        return signalPassFailure();
      }
      ValueRange captures = call.getArgOperands().drop_front(2);
      SmallVector<Type> fieldTypes(captures.getTypes());
      auto structType = LLVM::LLVMStructType::getLiteral(ctx, fieldTypes);
      LLVM::LLVMFuncOp &tramp = trampolines[bodyName];
      if (!tramp)
        tramp = buildTrampoline(module, body, structType, b);

      // The context struct lives in the caller's entry block: a dispatch inside a
      // sequential loop must not grow the stack every iteration.
      auto caller = call->getParentOfType<LLVM::LLVMFuncOp>();
      b.setInsertionPointToStart(&caller.getBody().front());
      Value one = LLVM::ConstantOp::create(b, call.getLoc(), b.getI64Type(), 1);
      Value ctxPtr = LLVM::AllocaOp::create(b, call.getLoc(), ptr, structType, one);

      b.setInsertionPoint(call);
      Location loc = call.getLoc();
      for (auto [i, v] : llvm::enumerate(captures)) {
        Value field = LLVM::GEPOp::create(b, loc, ptr, structType, ctxPtr,
                                          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
        LLVM::StoreOp::create(b, loc, v, field);
      }
      Value zero = LLVM::ConstantOp::create(b, loc, b.getI64Type(), 0);
      Value grain = call.getArgOperands()[1];
      Value fn = LLVM::AddressOfOp::create(b, loc, ptr, tramp.getName());
      LLVM::CallOp::create(b, loc, getOrDeclareParallelFor(module, b),
                           ValueRange{zero, call.getArgOperands()[0], grain, fn, ctxPtr});
      call.erase();
    }
    // The placeholder declarations have no callers left.
    for (auto fn : llvm::make_early_inc_range(module.getOps<LLVM::LLVMFuncOp>()))
      if (fn.getName().starts_with(kiln::kDispatchPrefix))
        fn.erase();
  }
};

} // namespace
