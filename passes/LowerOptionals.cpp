//===- LowerOptionals.cpp - Optional tensors as a tensor and a flag -------===//
//
// A compiled model has no optional values: an `!onnx.opt<tensor<...>>` becomes the pair
// (the tensor, a tensor<i1> that says whether it is present). At the model boundary an
// optional input is the tensor argument, marked `kiln.optional`, followed by its presence
// argument, marked `kiln.presence`: the C glue passes a present input's buffer and true,
// or, for an absent one (a NULL buffer), a buffer that is never read and false (see
// runtime/README.md). Inside the graph, Optional builds a pair, Identity forwards it,
// OptionalHasElement reads the flag and OptionalGetElement the tensor, behind a run-time
// check that it is present (ONNX calls getting the element of an empty optional an
// error). On a plain tensor OptionalHasElement is true and OptionalGetElement the
// identity; on no input at all OptionalHasElement is false.
//
// Optional values that reach any other op (an If or Loop, a sequence op, a model
// output) keep their type: the lowering of that op, or the model signature, says that
// it cannot be compiled.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "kiln/NodeLoc.h"
#include "kiln/Statistic.h"

namespace kiln {
#define GEN_PASS_DEF_LOWEROPTIONALS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnxir;

namespace {

/// An optional tensor as its two halves: the tensor (unspecified when absent) and a
/// tensor<i1> flag.
struct Pair {
  Value tensor, present;
};

/// The tensor type an optional holds, or null when it holds something else (a sequence).
TensorType optionalTensorType(Type type) {
  auto opt = dyn_cast<OptType>(type);
  return opt ? dyn_cast<TensorType>(opt.getElementType()) : TensorType();
}

/// True when every use of the optional `value` is one this pass rewrites (through
/// Identity, whose result is the same optional).
bool onlyOptionalUses(Value value) {
  for (Operation *user : value.getUsers()) {
    if (isa<OptionalHasElementOp, OptionalGetElementOp>(user))
      continue;
    if (auto identity = dyn_cast<IdentityOp>(user))
      if (onlyOptionalUses(identity.getResult()))
        continue;
    return false;
  }
  return true;
}

Value boolConstant(OpBuilder &b, Location loc, bool value) {
  auto type = RankedTensorType::get({}, b.getI1Type());
  return ConstantOp::create(b, loc, TypeRange{type}, ValueRange{},
                            ArrayRef<NamedAttribute>{b.getNamedAttr(
                                "value", DenseElementsAttr::get(type, value))})
      .getResult();
}

/// A tensor of `type` (dynamic dims 0) standing for an absent element; never read.
Value placeholder(OpBuilder &b, Location loc, RankedTensorType type) {
  SmallVector<int64_t> shape;
  for (int64_t d : type.getShape())
    shape.push_back(ShapedType::isDynamic(d) ? 0 : d);
  auto constType = RankedTensorType::get(shape, type.getElementType());
  Attribute zero = b.getZeroAttr(type.getElementType());
  if (!zero)
    return Value();
  return ConstantOp::create(b, loc, TypeRange{constType}, ValueRange{},
                            ArrayRef<NamedAttribute>{b.getNamedAttr(
                                "value", DenseElementsAttr::get(constType, zero))})
      .getResult();
}

struct LowerOptionalsPass : kiln::impl::LowerOptionalsBase<LowerOptionalsPass> {
  kiln::PassStatistic numInputs{this, "optional-inputs",
                                "optional tensor inputs passed as a tensor and a flag"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    DenseMap<Value, Pair> pairs;
    module.walk([&](func::FuncOp func) { splitArguments(func, pairs); });

    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<OptionalOp, IdentityOp, OptionalHasElementOp, OptionalGetElementOp>(op))
        ops.push_back(op);
    });
    SmallVector<Operation *> dead;
    for (Operation *op : ops) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto optional = dyn_cast<OptionalOp>(op)) {
        TensorType type = optionalTensorType(optional.getType());
        auto ranked = dyn_cast_or_null<RankedTensorType>(type);
        if (!ranked || !onlyOptionalUses(optional.getResult()))
          continue;
        Value input = optional.getInput();
        bool present = !isa<NoneType>(input.getType());
        Value tensor = present ? input : placeholder(b, loc, ranked);
        if (!tensor)
          continue;
        pairs[optional.getResult()] = {tensor, boolConstant(b, loc, present)};
        dead.push_back(op);
      } else if (auto identity = dyn_cast<IdentityOp>(op)) {
        auto it = pairs.find(identity.getInput());
        if (it == pairs.end())
          continue;
        Pair pair = it->second;
        pairs[identity.getResult()] = pair;
        dead.push_back(op);
      } else if (auto has = dyn_cast<OptionalHasElementOp>(op)) {
        Value input = has.getInput();
        Value flag;
        if (auto it = pairs.find(input); it != pairs.end())
          flag = it->second.present;
        else if (isa<NoneType>(input.getType()))
          flag = boolConstant(b, loc, false);
        else if (isa<TensorType>(input.getType()))
          flag = boolConstant(b, loc, true);
        else
          continue;
        replace(op, flag);
      } else if (auto get = dyn_cast<OptionalGetElementOp>(op)) {
        Value input = get.getInput();
        if (auto it = pairs.find(input); it != pairs.end()) {
          checkPresent(b, op, it->second.present);
          replace(op, it->second.tensor);
        } else if (isa<TensorType>(input.getType())) {
          replace(op, input);
        }
      }
    }
    // Users first: an Identity of an optional goes before the Optional it reads.
    for (Operation *op : llvm::reverse(dead))
      op->erase();
    kiln::syncFunctionResultTypes(module);
  }

  /// Replaces an optional tensor argument of `func` by the tensor and a presence flag.
  void splitArguments(func::FuncOp func, DenseMap<Value, Pair> &pairs) {
    if (func.isExternal())
      return;
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      BlockArgument arg = func.getArgument(i);
      auto type = dyn_cast_or_null<RankedTensorType>(optionalTensorType(arg.getType()));
      if (!type || !onlyOptionalUses(arg))
        continue;
      OpBuilder b(func.getContext());
      if (failed(func.insertArgument(i + 1, RankedTensorType::get({}, b.getI1Type()),
                                     b.getDictionaryAttr(b.getNamedAttr(
                                         "kiln.presence", b.getUnitAttr())),
                                     arg.getLoc())))
        return signalPassFailure();
      arg.setType(type);
      SmallVector<Type> inputs(func.getBody().getArgumentTypes());
      func.setFunctionType(
          FunctionType::get(func.getContext(), inputs, func.getFunctionType().getResults()));
      func.setArgAttr(i, "kiln.optional", b.getUnitAttr());
      pairs[arg] = {arg, func.getArgument(i + 1)};
      ++numInputs;
      ++i;
    }
  }

  /// Replaces `op`'s result by `value` (kiln-infer-shapes refines the users' types).
  void replace(Operation *op, Value value) {
    op->getResult(0).replaceAllUsesWith(value);
    op->erase();
  }

  /// Stops the run unless `present` (a tensor<i1>) is true.
  void checkPresent(OpBuilder &b, Operation *op, Value present) {
    Location loc = op->getLoc();
    Value flag = tensor::ExtractOp::create(b, loc, present, ValueRange{});
    Value zero = arith::ConstantIntOp::create(b, loc, 0, 64);
    kiln::kilnir::CheckOp::create(
        b, loc, flag, zero, zero, b.getI32IntegerAttr(kiln::kilnir::kCheckShape),
        b.getStringAttr(kiln::describeNode(op) + ": the optional input is empty (absent)"));
  }
};

} // namespace
