//===- UpgradeOnnxOps.cpp - Older op signatures to the newest -------------===//
//
// Table-driven upgrades (generated, exact by construction) and the hand-written ones of
// LegacyUpgrades.h for versions whose meaning changed.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Upgrade/LegacyUpgrades.h"

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
  bool variadicInputs = false;  // its last input is variadic: no input padding
  bool variadicOutputs = false; // its last output is variadic: no output padding
};

const llvm::StringMap<Upgrade> &upgrades() {
  static const llvm::StringMap<Upgrade> table = [] {
    llvm::StringMap<Upgrade> t;
    llvm::StringMap<std::tuple<unsigned, unsigned, bool, bool>> sigs;
#define KILN_ONNX_OP_SIG(NAME, NIN, INVAR, NOUT, OUTVAR, RULES, REGIONS)                      \
  sigs[NAME] = {NIN, NOUT, INVAR, OUTVAR};
#define KILN_ONNX_OP_UPGRADE(OLD, NEW, DEFAULTS) t[OLD] = Upgrade{NEW, DEFAULTS};
#include "ir/onnx/OnnxOpVersions.inc"
    for (auto &entry : t) {
      auto [nin, nout, inVariadic, outVariadic] = sigs.lookup(entry.second.newName);
      entry.second.newInputs = nin;
      entry.second.newOutputs = nout;
      entry.second.variadicInputs = inVariadic;
      entry.second.variadicOutputs = outVariadic;
    }
    return t;
  }();
  return table;
}

const llvm::StringMap<kiln::upgrade::LegacyUpgrade> &legacyUpgrades() {
  static const llvm::StringMap<kiln::upgrade::LegacyUpgrade> table = [] {
    llvm::StringMap<kiln::upgrade::LegacyUpgrade> t;
    kiln::upgrade::addBroadcastUpgrades(t);
    kiln::upgrade::addMathUpgrades(t);
    kiln::upgrade::addNNUpgrades(t);
    kiln::upgrade::addTensorUpgrades(t);
    kiln::upgrade::addContribQuantizationUpgrades(t);
    kiln::upgrade::addContribTransformerUpgrades(t);
    return t;
  }();
  return table;
}

/// Applies the rule entries: sets old defaults (`name:TYPE:value`) the node did not spell
/// out, drops attributes that do not change the result (`name:DROP:`), and moves INTS
/// attributes that became inputs (`name:INPUT:index`) into `inputs` as int64 constants.
void applyRule(OpBuilder &b, Location loc, StringRef spec, NamedAttrList &attrs,
               SmallVectorImpl<Value> &inputs) {
  SmallVector<StringRef> entries;
  spec.split(entries, ';', -1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    auto [name, rest] = entry.split(':');
    auto [type, value] = rest.split(':');
    if (type == "INPUT") {
      unsigned index = std::stoul(value.str());
      Attribute erased = attrs.erase(name);
      auto ints = dyn_cast_or_null<DenseI64ArrayAttr>(erased);
      if (!ints || index >= inputs.size())
        continue; // absent: the input stays `none`
      auto type = RankedTensorType::get({static_cast<int64_t>(ints.size())}, b.getI64Type());
      OperationState state(NameLoc::get(b.getStringAttr(name), loc), "onnx.Constant");
      state.addAttribute("value", DenseIntElementsAttr::get(type, ints.asArrayRef()));
      state.addTypes(type);
      inputs[index] = b.create(state)->getResult(0);
      continue;
    }
    if (type == "DROP") {
      attrs.erase(name);
      continue;
    }
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

/// Records the ops an upgrade creates, in order.
struct CreatedOps : OpBuilder::Listener {
  SmallVector<Operation *> ops;
  void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint) override {
    ops.push_back(op);
  }
};

struct UpgradeOnnxOpsPass : kiln::impl::UpgradeOnnxOpsBase<UpgradeOnnxOpsPass> {
  void runOnOperation() override {
    // Producers before consumers (the graph is in topological order), and every op's
    // result types refined as the walk goes: some upgrades depend on an input's rank
    // (a coerced Softmax, legacy broadcasting), which only the upgraded producers can tell.
    SmallVector<Operation *> ops;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) { ops.push_back(op); });
    OpBuilder b(&getContext());
    CreatedOps created;
    b.setListener(&created);
    bool failed = false;
    for (Operation *op : ops) {
      created.ops.clear();
      bool upgraded = upgradeOp(op, b, failed);
      for (Operation *newOp : created.ops)
        failed |= mlir::failed(kiln::onnxir::refineResultTypes(newOp));
      if (!upgraded)
        failed |= mlir::failed(kiln::onnxir::refineResultTypes(op));
    }
    if (failed)
      return signalPassFailure();
    if (auto module = dyn_cast<ModuleOp>(getOperation()))
      kiln::syncFunctionResultTypes(module);
  }

  /// Rewrites `op` as the newest signature if it is an older one; returns whether it did
  /// (`op` is then erased). Sets `failed` when a hand-written upgrade reports an error.
  bool upgradeOp(Operation *op, OpBuilder &b, bool &failed) {
    MLIRContext *ctx = &getContext();
    StringRef name = op->getName().getStringRef();
    auto legacy = legacyUpgrades().find(name);
    auto table = upgrades().find(name);
    if (legacy == legacyUpgrades().end() && table == upgrades().end())
      return false;
    b.setInsertionPoint(op);
    if (legacy != legacyUpgrades().end()) {
      kiln::upgrade::OnnxBuilder onnx(b, op);
      if (mlir::failed(legacy->second(op, onnx))) {
        failed = true;
        return false;
      }
      return true;
    }
    {
      const Upgrade &upgrade = table->second;
      std::optional<RegisteredOperationName> newName =
          RegisteredOperationName::lookup(upgrade.newName, ctx);
      if (!newName)
        return false;
      OperationState state(op->getLoc(), *newName);
      // Inputs and outputs the newest signature added are optional: absent ones are
      // `none`, as the importer makes them.
      SmallVector<Value> inputs(op->getOperands());
      SmallVector<Type> results(op->getResultTypes());
      if (!upgrade.variadicInputs && inputs.size() < upgrade.newInputs) {
        Value none = kiln::onnxir::NoValueOp::create(b, op->getLoc(), b.getNoneType());
        inputs.resize(upgrade.newInputs, none);
      }
      if (!upgrade.variadicOutputs)
        results.resize(std::max<size_t>(results.size(), upgrade.newOutputs), b.getNoneType());
      NamedAttrList attrs(op->getAttrDictionary());
      applyRule(b, op->getLoc(), upgrade.oldDefaults, attrs, inputs);
      state.addOperands(inputs);
      state.addTypes(results);
      state.addAttributes(attrs);
      for (Region &region : op->getRegions())
        state.addRegion()->takeBody(region);
      Operation *upgraded = b.create(state);
      op->replaceAllUsesWith(upgraded->getResults().take_front(op->getNumResults()));
      op->erase();
    }
    return true;
  }
};

} // namespace
