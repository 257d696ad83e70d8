//===- UpgradeOnnxOps.cpp - Older op signatures to the newest -------------===//

#include "passes/Passes.h"

#include "llvm/ADT/StringMap.h"

namespace kiln {
#define GEN_PASS_DEF_UPGRADEONNXOPS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct Upgrade {
  StringRef newName;
  StringRef oldDefaults;    // "name:TYPE:value;..."
  unsigned newInputs = 0;   // formal inputs and outputs of the newest op
  unsigned newOutputs = 0;
  bool newVariadic = false; // its last input or output is variadic: no padding
};

const llvm::StringMap<Upgrade> &upgrades() {
  static const llvm::StringMap<Upgrade> table = [] {
    llvm::StringMap<Upgrade> t;
    llvm::StringMap<std::tuple<unsigned, unsigned, bool>> sigs;
#define KILN_ONNX_OP_SIG(NAME, NIN, INVAR, NOUT, OUTVAR, RULES, REGIONS)                      \
  sigs[NAME] = {NIN, NOUT, INVAR || OUTVAR};
#define KILN_ONNX_OP_UPGRADE(OLD, NEW, DEFAULTS) t[OLD] = Upgrade{NEW, DEFAULTS};
#include "ir/onnx/OnnxOpVersions.inc"
    for (auto &entry : t) {
      auto [nin, nout, variadic] = sigs.lookup(entry.second.newName);
      entry.second.newInputs = nin;
      entry.second.newOutputs = nout;
      entry.second.newVariadic = variadic;
    }
    return t;
  }();
  return table;
}

/// Sets the old defaults (`name:TYPE:value`) that the node did not spell out.
void addOldDefaults(Builder &b, StringRef spec, NamedAttrList &attrs) {
  SmallVector<StringRef> entries;
  spec.split(entries, ';', -1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    auto [name, rest] = entry.split(':');
    auto [type, value] = rest.split(':');
    if (attrs.get(name))
      continue;
    if (type == "INT")
      attrs.set(name, b.getI64IntegerAttr(std::stoll(value.str())));
    else if (type == "FLOAT")
      attrs.set(name, b.getF32FloatAttr(std::stof(value.str())));
    else if (type == "STRING")
      attrs.set(name, b.getStringAttr(value));
  }
}

struct UpgradeOnnxOpsPass : kiln::impl::UpgradeOnnxOpsBase<UpgradeOnnxOpsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    SmallVector<Operation *> worklist;
    getOperation()->walk([&](Operation *op) {
      if (upgrades().count(op->getName().getStringRef()))
        worklist.push_back(op);
    });
    OpBuilder b(ctx);
    for (Operation *op : worklist) {
      const Upgrade &upgrade = upgrades().find(op->getName().getStringRef())->second;
      std::optional<RegisteredOperationName> newName =
          RegisteredOperationName::lookup(upgrade.newName, ctx);
      if (!newName)
        continue;
      b.setInsertionPoint(op);
      OperationState state(op->getLoc(), *newName);
      state.addOperands(op->getOperands());
      state.addTypes(op->getResultTypes());
      // Inputs and outputs the newest signature added are optional: absent ones are
      // `none`, as the importer makes them.
      if (!upgrade.newVariadic) {
        Value none;
        for (unsigned i = op->getNumOperands(); i < upgrade.newInputs; ++i) {
          if (!none)
            none = kiln::onnxir::NoValueOp::create(b, op->getLoc(), b.getNoneType());
          state.addOperands(none);
        }
        for (unsigned i = op->getNumResults(); i < upgrade.newOutputs; ++i)
          state.addTypes(b.getNoneType());
      }
      NamedAttrList attrs(op->getAttrDictionary());
      addOldDefaults(b, upgrade.oldDefaults, attrs);
      state.addAttributes(attrs);
      for (Region &region : op->getRegions())
        state.addRegion()->takeBody(region);
      Operation *upgraded = b.create(state);
      op->replaceAllUsesWith(upgraded->getResults().take_front(op->getNumResults()));
      op->erase();
    }
  }
};

} // namespace
