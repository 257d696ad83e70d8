//===- FoldConstants.cpp - Fold constant subgraphs --------------------------===//
//
// Folds ops on constants (Evaluate*.cpp), queries of static shapes and If ops with a
// constant condition (the branch taken replaces the If), and re-infers the
// types of the ops downstream of what it folded, so that shape computations simplify to
// a fixed point in one walk: a Reshape whose target shape just became a constant gets a
// static result type, the Shape of that result folds next, and so on.
//
//===----------------------------------------------------------------------===//

#include "passes/Folding/Evaluate.h"
#include "passes/Passes.h"

#include "kiln/NodeLoc.h"
#include "kiln/Statistic.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseSet.h"

namespace kiln {
#define GEN_PASS_DEF_FOLDCONSTANTS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnxir;
using namespace kiln::folding;

namespace {

/// Ops whose result can be far larger than their inputs.
bool isExpanding(Operation *op) {
  return isa<ExpandOp, ConstantOfShapeOp, TileOp, RangeOp>(op);
}

/// The shape of a ranked tensor type, or nullopt.
std::optional<ArrayRef<int64_t>> rankedShape(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return std::nullopt;
  return ranked.getShape();
}

/// Shape(x), Size(x) of a static x and Gather(Shape(x), constant indices) of static
/// dimensions, as i64 literals; nullopt otherwise.
std::optional<Literal> foldShapeQuery(Operation *op) {
  Type i64 = IntegerType::get(op->getContext(), 64);
  auto shapeOf = [&](Value v) -> std::optional<SmallVector<int64_t>> {
    auto shapeOp = v.getDefiningOp<ShapeOp>();
    if (!shapeOp)
      return std::nullopt;
    std::optional<ArrayRef<int64_t>> dims = rankedShape(shapeOp.getData().getType());
    if (!dims)
      return std::nullopt;
    int64_t rank = dims->size();
    auto clampIndex = [&](int64_t i) {
      return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank);
    };
    int64_t start = clampIndex(static_cast<int64_t>(shapeOp.getStart()));
    std::optional<uint64_t> endAttr = shapeOp.getEnd();
    int64_t end = endAttr ? clampIndex(static_cast<int64_t>(*endAttr)) : rank;
    SmallVector<int64_t> result;
    for (int64_t d = start; d < end; ++d)
      result.push_back((*dims)[d]); // may be dynamic
    return result;
  };
  auto literal = [&](ArrayRef<int64_t> shape, ArrayRef<int64_t> values) {
    Literal lit = Literal::zeros(shape, i64);
    lit.ints.assign(values.begin(), values.end());
    return lit;
  };
  if (isa<ShapeOp>(op)) {
    std::optional<SmallVector<int64_t>> dims = shapeOf(op->getResult(0));
    if (!dims || llvm::any_of(*dims, ShapedType::isDynamic))
      return std::nullopt;
    return literal({static_cast<int64_t>(dims->size())}, *dims);
  }
  if (auto size = dyn_cast<SizeOp>(op)) {
    std::optional<ArrayRef<int64_t>> dims = rankedShape(size.getData().getType());
    if (!dims || llvm::any_of(*dims, ShapedType::isDynamic))
      return std::nullopt;
    int64_t n = 1;
    for (int64_t d : *dims)
      n *= d;
    return literal({}, {n});
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    std::optional<SmallVector<int64_t>> dims = shapeOf(gather.getData());
    std::optional<Literal> indices = readConstant(gather.getIndices());
    if (!dims || !indices || indices->isFloat())
      return std::nullopt;
    int64_t n = dims->size();
    SmallVector<int64_t> values;
    for (int64_t i : indices->ints) {
      if (i < -n || i >= n)
        return std::nullopt;
      int64_t d = (*dims)[i < 0 ? i + n : i];
      if (ShapedType::isDynamic(d))
        return std::nullopt;
      values.push_back(d);
    }
    return literal(indices->shape, values);
  }
  return std::nullopt;
}

/// The number of elements an expanding op would produce, if its operands say.
std::optional<int64_t> expandedSize(Operation *op, ArrayRef<Operand> operands) {
  auto product = [](const Literal &l) {
    int64_t n = 1;
    for (int64_t d : l.ints)
      n = d < 0 ? -1 : (n > (int64_t(1) << 40) ? n : n * d);
    return n;
  };
  if (isa<ConstantOfShapeOp>(op) && operands[0] && !operands[0]->isFloat())
    return product(*operands[0]);
  if (isa<ExpandOp, TileOp>(op) && operands[1] && !operands[1]->isFloat())
    return std::max<int64_t>(product(*operands[1]), 1) * operands[0]->numElements();
  if (isa<RangeOp>(op) && operands[0] && operands[1] && operands[2] &&
      operands[2]->getDouble(0) != 0) {
    double n = (operands[1]->getDouble(0) - operands[0]->getDouble(0)) / operands[2]->getDouble(0);
    return n > double(int64_t(1) << 40) ? int64_t(1) << 40 : static_cast<int64_t>(n) + 1;
  }
  return std::nullopt;
}

} // namespace

namespace kiln {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct FoldConstantsPass : impl::FoldConstantsBase<FoldConstantsPass> {
  using FoldConstantsBase::FoldConstantsBase;

  kiln::PassStatistic numFolded{this, "folded-ops", "Ops replaced by constants"};
  kiln::PassStatistic numShapesFolded{this, "folded-shapes",
                                      "Shape, Size and Gather(Shape) of static dims folded"};
  kiln::PassStatistic numRefined{this, "refined-types",
                                 "Ops whose result types became more precise after a fold"};
  kiln::PassStatistic numIfsFolded{this, "taken-if-branches",
                                   "If ops with a constant condition replaced by their branch"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Literals read so far, so a weight read by several ops is unpacked once.
    DenseMap<Value, std::optional<Literal>> cache;
    auto read = [&](Value v) -> const std::optional<Literal> & {
      auto it = cache.find(v);
      if (it == cache.end())
        it = cache.try_emplace(v, readConstant(v)).first;
      return it->second;
    };

    // Producers before consumers (the graph is in topological order), and an op before
    // the ops in its regions, as kiln-infer-shapes visits them.
    SmallVector<Operation *> ops;
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<ONNXDialect>(op->getDialect()) && !isa<ConstantOp, NoValueOp>(op))
        ops.push_back(op);
    });

    // Values that are new constants or got a more precise type during this walk: their
    // users' types are inferred again before they are considered for folding.
    DenseSet<Value> changed;
    DenseSet<Operation *> erased; // ops of If branches that were not taken
    DenseSet<Operation *> inlined; // ops of taken If branches, now in the parent block
    bool anyRefined = false;
    for (Operation *op : ops) {
      if (erased.contains(op))
        continue;
      if (inlined.contains(op) ||
          llvm::any_of(op->getOperands(), [&](Value v) { return changed.contains(v); })) {
        SmallVector<Type> before(op->getResultTypes());
        if (failed(onnxir::refineResultTypes(op)))
          return signalPassFailure();
        bool refined = false;
        for (auto [result, type] : llvm::zip(op->getResults(), before))
          if (result.getType() != type) {
            changed.insert(result);
            refined = true;
          }
        if (refined) {
          ++numRefined;
          anyRefined = true;
        }
      }
      if (auto ifOp = dyn_cast<IfOp>(op)) {
        if (isConstant(ifOp.getCond()) && read(ifOp.getCond())) {
          inlineTakenBranch(ifOp, read(ifOp.getCond())->getDouble(0) != 0, changed, erased,
                            inlined);
          ++numIfsFolded;
          anyRefined = true;
        }
        continue;
      }
      if (op->getNumRegions() != 0 || op->getNumResults() != 1)
        continue;
      // A ConstantOfShape of a constant shape is a splat, whatever its size: no Literal.
      if (auto fill = dyn_cast<ConstantOfShapeOp>(op)) {
        if (Value splat = foldConstantOfShape(fill, read(fill.getInput()))) {
          changed.insert(splat);
          ++numFolded;
        }
        continue;
      }
      std::optional<Literal> result = foldShapeQuery(op);
      bool isShapeQuery = result.has_value();
      if (!result) {
        SmallVector<Operand> operands;
        int64_t inputElements = 0;
        bool allConstant = true;
        for (Value operand : op->getOperands()) {
          if (isa<NoneType>(operand.getType())) {
            operands.push_back(std::nullopt);
            continue;
          }
          const std::optional<Literal> &lit = isConstant(operand) ? read(operand) : std::nullopt;
          if (!lit) {
            allConstant = false;
            break;
          }
          operands.push_back(*lit);
          inputElements += lit->numElements();
        }
        if (!allConstant || operands.empty())
          continue;
        int64_t limit = std::max<int64_t>(maxElements, inputElements);
        if (isExpanding(op)) {
          std::optional<int64_t> size = expandedSize(op, operands);
          if (!size || *size < 0 || *size > limit)
            continue;
        }
        std::optional<SmallVector<Literal>> results = evaluate(op, operands);
        if (!results || (*results)[0].numElements() > limit)
          continue;
        result = std::move((*results)[0]);
      }
      Value folded = replace(op, *result);
      if (!folded)
        continue;
      changed.insert(folded);
      ++(isShapeQuery ? numShapesFolded : numFolded);
    }

    // Constants nothing reads any more (the inputs of folded ops).
    module.walk([](ConstantOp op) {
      if (op->use_empty())
        op->erase();
    });

    // Function results follow the values they return, as after kiln-infer-shapes.
    if (anyRefined)
      kiln::syncFunctionResultTypes(module);
  }

  /// Replaces an If whose condition is a constant by the ops of the branch it takes (their
  /// ops come after the If in the walk, so they are folded next); the other branch's ops
  /// go to `erased`. Exporters write rank checks (`if x.dim() == 3`) this way, with
  /// branches whose results differ in rank: once the ranks are known only one is left.
  void inlineTakenBranch(IfOp op, bool condition, DenseSet<Value> &changed,
                         DenseSet<Operation *> &erased, DenseSet<Operation *> &inlined) {
    Region &taken = condition ? op.getThenBranch() : op.getElseBranch();
    Region &dropped = condition ? op.getElseBranch() : op.getThenBranch();
    dropped.walk([&](Operation *inner) { erased.insert(inner); });
    // Their types were inferred inside the branch; infer them again where they now are.
    taken.walk([&](Operation *inner) { inlined.insert(inner); });
    Block &block = taken.front();
    Operation *yield = block.getTerminator();
    erased.insert(yield); // it goes with the If
    SmallVector<Value> values(yield->getOperands());
    op->getBlock()->getOperations().splice(Block::iterator(op), block.getOperations(),
                                           block.begin(), Block::iterator(yield));
    for (auto [result, value] : llvm::zip(op->getResults(), values)) {
      result.replaceAllUsesWith(value);
      changed.insert(value);
    }
    op->erase();
  }

  /// Replaces a ConstantOfShape whose shape is the constant `shape` by a splat constant
  /// (O(1) memory however large; weights of exported "light" models are written so);
  /// returns it, or null.
  Value foldConstantOfShape(ConstantOfShapeOp op, const std::optional<Literal> &shape) {
    if (!shape || shape->isFloat() || shape->shape.size() != 1 ||
        llvm::any_of(shape->ints, [](int64_t d) { return d < 0; }))
      return {};
    auto oldType = dyn_cast<TensorType>(op.getResult().getType());
    Attribute element;
    if (auto value = op.getValueAttr()) {
      auto dense = dyn_cast<DenseElementsAttr>(value);
      if (!dense || dense.getNumElements() != 1)
        return {};
      element = dense.getSplatValue<Attribute>();
    } else {
      element = FloatAttr::get(Float32Type::get(op.getContext()), 0.0);
    }
    auto type = RankedTensorType::get(shape->ints, cast<TypedAttr>(element).getType());
    if (!oldType || oldType.getElementType() != type.getElementType() ||
        (oldType.hasRank() && failed(verifyCompatibleShape(oldType.getShape(), type.getShape()))))
      return {};
    if (oldType != type)
      for (Operation *user : op->getUsers())
        if (!isa<ONNXDialect>(user->getDialect()) || isa<YieldOp>(user))
          return {};
    OpBuilder b(op);
    Value folded = onnxir::ConstantOp::create(
                       b, kiln::replacedNodesLoc(op.getOperation()), TypeRange{type}, ValueRange{},
                       ArrayRef<NamedAttribute>{
                           b.getNamedAttr("value", DenseElementsAttr::get(type, element))})
                       .getResult();
    op.getResult().replaceAllUsesWith(folded);
    op->erase();
    return folded;
  }

  /// Replaces `op`'s result by a constant holding `lit`, if the types allow; returns
  /// the constant, or null.
  Value replace(Operation *op, const Literal &lit) {
    Value old = op->getResult(0);
    auto oldType = dyn_cast<TensorType>(old.getType());
    RankedTensorType newType = lit.getType();
    if (!oldType || oldType.getElementType() != newType.getElementType())
      return {};
    if (oldType != newType) {
      // A more precise type is fine for onnx users; others (func.return) need the same.
      if (oldType.hasRank() && failed(verifyCompatibleShape(oldType.getShape(),
                                                            newType.getShape())))
        return {};
      for (Operation *user : old.getUsers())
        if (!isa<ONNXDialect>(user->getDialect()) || isa<YieldOp>(user))
          return {};
    }
    OpBuilder b(op);
    Value folded = createConstant(b, kiln::replacedNodesLoc(op), lit);
    old.replaceAllUsesWith(folded);
    op->erase();
    return folded;
  }
};

} // namespace kiln
