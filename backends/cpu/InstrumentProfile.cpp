//===- InstrumentProfile.cpp - Time each kernel of @kiln_main -------------===//
//
// A profiled model calls kiln_rt_profile_enter(id) before and kiln_rt_profile_exit(id)
// after each top-level kernel of its entry function (a linalg op, a memref.copy, a
// loop or call); the C glue forwards both to the runtime, which keeps the times. The
// pass runs on buffers, before linalg becomes loops, so a kernel is still one op whose
// location names the ONNX node(s) it was lowered (or fused) from.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/InstrumentProfile.h"
#include "backends/cpu/Passes.h"

#include "kiln/NodeLoc.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_INSTRUMENTPROFILE
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;
using namespace kiln::cpu;

namespace {

/// Ops that do work worth timing: the rest (views, allocs, constants, index math,
/// deallocation) takes no measurable time and is left alone.
bool isKernel(Operation *op) {
  if (isa<linalg::LinalgOp, memref::CopyOp, func::CallOp, LoopLikeOpInterface>(op))
    return true;
  if (op->getNumRegions() == 0)
    return false;
  // An op with regions (scf.if, scf.execute_region) counts when it holds a kernel.
  return op
      ->walk([](Operation *inner) {
        return isa<linalg::LinalgOp, memref::CopyOp, func::CallOp, LoopLikeOpInterface>(inner)
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

func::FuncOp getOrDeclare(ModuleOp module, StringRef name, OpBuilder &b) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto fn = func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType({b.getI32Type()}, {}));
  fn.setPrivate();
  return fn;
}

struct InstrumentProfilePass : kiln::cpu::impl::InstrumentProfileBase<InstrumentProfilePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    auto main = module.lookupSymbol<func::FuncOp>(kiln::kEntryName);
    if (!main || main.isExternal())
      return; // nothing to instrument
    if (module->hasAttr(kiln::kProfileKernelsAttr)) {
      module.emitError() << "the module is already instrumented ('" << kiln::kProfileKernelsAttr
                         << "' is set)";
      return signalPassFailure();
    }
    auto opTypes = module->getAttrOfType<DictionaryAttr>(kNodeOpTypesAttr);
    OpBuilder b(ctx);
    func::FuncOp enter = getOrDeclare(module, kProfileEnter, b);
    func::FuncOp exit = getOrDeclare(module, kProfileExit, b);

    SmallVector<Attribute> kernels;
    for (Block &block : main.getBody()) {
      for (Operation &op : llvm::make_early_inc_range(block)) {
        if (!isKernel(&op))
          continue;
        Location loc = op.getLoc();
        b.setInsertionPoint(&op);
        Value id = arith::ConstantIntOp::create(b, loc, kernels.size(), 32);
        func::CallOp::create(b, loc, enter, id);
        b.setInsertionPointAfter(&op);
        func::CallOp::create(b, loc, exit, id);

        llvm::SmallSetVector<StringRef, 4> names = kiln::nodeNames(loc);
        llvm::SmallSetVector<StringRef, 4> types;
        for (StringRef name : names)
          if (auto type = opTypes ? opTypes.getAs<StringAttr>(name) : StringAttr())
            types.insert(type.getValue());
        NamedAttribute fields[] = {
            b.getNamedAttr("kernel", b.getStringAttr(op.getName().getStringRef())),
            b.getNamedAttr("nodes", b.getStringAttr(llvm::join(names, ", "))),
            b.getNamedAttr("op_types", b.getStringAttr(llvm::join(types, ", ")))};
        kernels.push_back(b.getDictionaryAttr(fields));
      }
    }
    module->setAttr(kiln::kProfileKernelsAttr, ArrayAttr::get(ctx, kernels));
  }
};

} // namespace

void kiln::cpu::recordNodeOpTypes(ModuleOp module) {
  Builder b(module.getContext());
  // The onnx ops still carrying their node's NameLoc, and the nodes that after-import
  // rewrites replaced (kiln/NodeLoc.h); the latter first, as a rewrite may leave a
  // node's name on an op of another type.
  llvm::MapVector<StringAttr, StringAttr> types;
  module.walk([&](Operation *op) {
    if (!isa<NameLoc>(op->getLoc()))
      kiln::collectNodeOpTypes(op, op->getLoc(), types);
  });
  module.walk([&](Operation *op) {
    if (isa<NameLoc>(op->getLoc()))
      kiln::collectNodeOpTypes(op, op->getLoc(), types);
  });
  SmallVector<NamedAttribute> entries;
  for (auto &[node, type] : types)
    entries.push_back(b.getNamedAttr(node, type));
  module->setAttr(kNodeOpTypesAttr, b.getDictionaryAttr(entries));
}
