//===- TreeEnsembleRegressor.cpp - Lower onnx.ml.TreeEnsembleRegressor -----===//
//
// The deprecated TreeEnsembleRegressor (ai.onnx.ml 1, 3 and 5; what sklearn-onnx writes)
// lists every node, interior or LEAF, as (tree id, node id); branches name node ids of
// the same tree, and a leaf may vote for several targets (target_*). Its attributes are
// rewritten into TreeTables (interior nodes and leaves numbered in listing order, each
// tree's root its first listed node) and evaluated by TreeWalk.cpp, with the base values
// added after the aggregation. X of any type is compared in double when it is double and in float
// otherwise, as ONNX Runtime does; Y is float.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ML/TreeWalk.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/OpAttributes.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"

#include "ir/onnx/OnnxDialect.h"

#include "llvm/ADT/StringSwitch.h"

#include <map>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

ArrayRef<int64_t> ints(Operation *op, StringRef name) {
  if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>(name))
    return attr.asArrayRef();
  return {};
}

/// The float list `name` (or `name`_as_tensor) in `sem`.
SmallVector<APFloat> floats(Operation *op, StringRef name, const llvm::fltSemantics &sem) {
  SmallVector<APFloat> out;
  auto push = [&](APFloat v) {
    bool lost;
    v.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    out.push_back(v);
  };
  if (auto attr = op->getAttrOfType<DenseF32ArrayAttr>(name)) {
    for (float v : attr.asArrayRef())
      push(APFloat(v));
  } else if (auto dense = op->getAttrOfType<DenseElementsAttr>((name + "_as_tensor").str())) {
    if (isa<FloatType>(dense.getElementType()))
      for (APFloat v : dense.getValues<APFloat>())
        push(v);
  }
  return out;
}

FailureOr<TreeTables> buildTables(Operation *op, FloatType elem, std::string &why) {
  const llvm::fltSemantics &sem = elem.getFloatSemantics();
  ArrayRef<int64_t> treeIds = ints(op, "nodes_treeids"), nodeIds = ints(op, "nodes_nodeids"),
                    features = ints(op, "nodes_featureids"),
                    trueIds = ints(op, "nodes_truenodeids"),
                    falseIds = ints(op, "nodes_falsenodeids"),
                    missing = ints(op, "nodes_missing_value_tracks_true");
  SmallVector<APFloat> values = floats(op, "nodes_values", sem);
  auto modes = op->getAttrOfType<ArrayAttr>("nodes_modes");
  size_t n = nodeIds.size();
  if (n == 0 || treeIds.size() != n || features.size() != n || trueIds.size() != n ||
      falseIds.size() != n || values.size() != n || !modes || modes.size() != n ||
      (!missing.empty() && missing.size() != n)) {
    why = "the nodes_* attributes must be present and all have the same length";
    return failure();
  }
  // Number the interior nodes and the leaves in listing order.
  TreeTables t;
  std::map<std::pair<int64_t, int64_t>, int64_t> branchOf; // (tree, node) -> branch
  SmallVector<int64_t> modeOf(n);
  int64_t numLeaves = 0;
  for (size_t i = 0; i < n; ++i) {
    auto name = dyn_cast<StringAttr>(modes[i]);
    StringRef m = name ? name.getValue() : "";
    int64_t code = llvm::StringSwitch<int64_t>(m)
                       .Case("BRANCH_LEQ", LEQ)
                       .Case("BRANCH_LT", LT)
                       .Case("BRANCH_GTE", GTE)
                       .Case("BRANCH_GT", GT)
                       .Case("BRANCH_EQ", EQ)
                       .Case("BRANCH_NEQ", NEQ)
                       .Case("LEAF", -1)
                       .Default(-2);
    if (code == -2) {
      why = "unknown node mode '" + m.str() + "'";
      return failure();
    }
    modeOf[i] = code;
    int64_t branch = code == -1 ? -(numLeaves++ + 1) : static_cast<int64_t>(t.mode.size());
    if (code != -1)
      t.mode.push_back(code);
    if (!branchOf.insert({{treeIds[i], nodeIds[i]}, branch}).second) {
      why = "node " + std::to_string(nodeIds[i]) + " of tree " + std::to_string(treeIds[i]) +
            " is listed twice";
      return failure();
    }
  }
  auto resolve = [&](int64_t tree, int64_t node) -> FailureOr<int64_t> {
    auto it = branchOf.find({tree, node});
    if (it == branchOf.end()) {
      why = "tree " + std::to_string(tree) + " has no node " + std::to_string(node);
      return failure();
    }
    return it->second;
  };
  for (size_t i = 0; i < n; ++i) {
    if (modeOf[i] == -1)
      continue;
    FailureOr<int64_t> onTrue = resolve(treeIds[i], trueIds[i]);
    FailureOr<int64_t> onFalse = resolve(treeIds[i], falseIds[i]);
    if (failed(onTrue) || failed(onFalse))
      return failure();
    t.feature.push_back(features[i]);
    t.splits.push_back(values[i]);
    t.trueNext.push_back(*onTrue);
    t.falseNext.push_back(*onFalse);
    t.missingTrue.push_back(missing.empty() ? 0 : missing[i] != 0);
  }
  // Each tree's root is its first listed node (node 0 when the ids start at 0 and
  // increase, as the spec asks; ONNX Runtime takes the first listed), in listing order.
  SmallVector<int64_t> trees;
  for (size_t i = 0; i < n; ++i)
    if (!llvm::is_contained(trees, treeIds[i])) {
      trees.push_back(treeIds[i]);
      t.rootStart.push_back(branchOf[{treeIds[i], nodeIds[i]}]);
    }
  // The votes, grouped by leaf in listing order.
  ArrayRef<int64_t> voteTrees = ints(op, "target_treeids"), voteNodes = ints(op, "target_nodeids"),
                    voteTargets = ints(op, "target_ids");
  SmallVector<APFloat> voteWeights = floats(op, "target_weights", sem);
  size_t v = voteNodes.size();
  if (voteTrees.size() != v || voteTargets.size() != v || voteWeights.size() != v) {
    why = "the target_* attributes must all have the same length";
    return failure();
  }
  SmallVector<SmallVector<size_t>> votesOf(numLeaves);
  for (size_t k = 0; k < v; ++k) {
    FailureOr<int64_t> leaf = resolve(voteTrees[k], voteNodes[k]);
    if (failed(leaf))
      return failure();
    if (*leaf >= 0) {
      why = "a target_* entry names node " + std::to_string(voteNodes[k]) + " of tree " +
            std::to_string(voteTrees[k]) + ", which is not a LEAF";
      return failure();
    }
    votesOf[-(*leaf + 1)].push_back(k);
  }
  for (const auto &votes : votesOf) {
    t.leafBegin.push_back(t.targets.size());
    for (size_t k : votes) {
      t.targets.push_back(voteTargets[k]);
      t.weights.push_back(voteWeights[k]);
    }
  }
  t.leafBegin.push_back(t.targets.size());
  int64_t maxTarget = -1;
  for (int64_t target : t.targets)
    maxTarget = std::max(maxTarget, target);
  t.numTargets = intAttrOr(op, "n_targets", maxTarget + 1);
  t.baseValues = floats(op, "base_values", sem);
  if (failed(checkTrees(t, why)))
    return failure();
  return t;
}

struct TreeEnsembleRegressorLowering : OnnxNamedLoweringPattern {
  using OnnxNamedLoweringPattern::OnnxNamedLoweringPattern;

  LogicalResult matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = operands[0];
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    if (!xType)
      return failure();
    if (xType.getRank() != 2)
      return reject(rewriter, op, "X must be 2-D [N, F], got rank " + Twine(xType.getRank()));
    FloatType elem = xType.getElementType().isF64() ? FloatType(rewriter.getF64Type())
                                                    : FloatType(rewriter.getF32Type());
    auto aggregateName = op->getAttrOfType<StringAttr>("aggregate_function");
    StringRef aggregateStr = aggregateName ? aggregateName.getValue() : "SUM";
    int64_t aggregate = llvm::StringSwitch<int64_t>(aggregateStr)
                            .Case("AVERAGE", AVERAGE)
                            .Case("SUM", SUM)
                            .Case("MIN", MIN)
                            .Case("MAX", MAX)
                            .Default(-1);
    if (aggregate < 0)
      return reject(rewriter, op, "unknown aggregate_function '" + aggregateStr + "'");
    auto postName = op->getAttrOfType<StringAttr>("post_transform");
    StringRef postStr = postName ? postName.getValue() : "NONE";
    int64_t post = llvm::StringSwitch<int64_t>(postStr)
                       .Case("NONE", int64_t(PostTransform::None))
                       .Case("SOFTMAX", int64_t(PostTransform::Softmax))
                       .Case("LOGISTIC", int64_t(PostTransform::Logistic))
                       .Case("SOFTMAX_ZERO", int64_t(PostTransform::SoftmaxZero))
                       .Case("PROBIT", int64_t(PostTransform::Probit))
                       .Default(-1);
    if (post < 0)
      return reject(rewriter, op, "unknown post_transform '" + postStr + "'");
    std::string why;
    FailureOr<TreeTables> tables = buildTables(op, elem, why);
    if (failed(tables))
      return reject(rewriter, op, why);
    return buildTreeEnsemble(rewriter, op, x, *tables, elem,
                             static_cast<TreeAggregate>(aggregate),
                             static_cast<PostTransform>(post), resultType);
  }
};

} // namespace

void populateTreeEnsembleRegressorPatterns(const OnnxTypeConverter &converter,
                                           RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<TreeEnsembleRegressorLowering>(converter, ctx,
                                              MLTreeEnsembleRegressorOp::getOperationName());
  patterns.add<TreeEnsembleRegressorLowering>(converter, ctx,
                                              MLTreeEnsembleRegressorV1Op::getOperationName());
}

} // namespace kiln::conversion
