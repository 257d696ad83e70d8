//===- TreeEnsemble.cpp - Lower onnx.ml.TreeEnsemble -----------------------===//
//
// TreeEnsemble (ai.onnx.ml 5) lists interior nodes (nodes_*) and leaves (leaf_*, one
// target and weight each) separately; its attributes map directly onto TreeTables, which
// TreeWalk.cpp evaluates. BRANCH_MEMBER nodes take their sets, in node order, from the
// NaN-delimited membership_values. A tree whose root has the same leaf on both sides is
// that leaf.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ML/TreeWalk.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"

#include "ir/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// The floats of `attr` rounded to `sem`, or failure when it is not a float constant.
FailureOr<SmallVector<APFloat>> readFloats(Attribute attr, const llvm::fltSemantics &sem) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || !isa<FloatType>(dense.getElementType()))
    return failure();
  SmallVector<APFloat> out;
  for (APFloat v : dense.getValues<APFloat>()) {
    bool lost;
    v.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    out.push_back(v);
  }
  return out;
}

/// Builds the tables of `op` for element type `elem`, or returns why it cannot.
FailureOr<TreeTables> buildTables(MLTreeEnsembleOp op, FloatType elem, std::string &why) {
  const llvm::fltSemantics &sem = elem.getFloatSemantics();
  TreeTables t;
  ArrayRef<int64_t> features = op.getNodesFeatureids(), trueIds = op.getNodesTruenodeids(),
                    falseIds = op.getNodesFalsenodeids(), trueLeafs = op.getNodesTrueleafs(),
                    falseLeafs = op.getNodesFalseleafs(), targets = op.getLeafTargetids(),
                    roots = op.getTreeRoots();
  size_t numNodes = features.size();
  auto modes = dyn_cast<DenseElementsAttr>(op.getNodesModes());
  FailureOr<SmallVector<APFloat>> splits = readFloats(op.getNodesSplits(), sem);
  FailureOr<SmallVector<APFloat>> weights = readFloats(op.getLeafWeights(), sem);
  if (!modes || !isa<IntegerType>(modes.getElementType()) || failed(splits) || failed(weights)) {
    why = "nodes_modes, nodes_splits and leaf_weights must be constant tensors";
    return failure();
  }
  std::optional<ArrayRef<int64_t>> missing = op.getNodesMissingValueTracksTrue();
  if (trueIds.size() != numNodes || falseIds.size() != numNodes ||
      trueLeafs.size() != numNodes || falseLeafs.size() != numNodes ||
      (size_t)modes.getNumElements() != numNodes || splits->size() != numNodes ||
      (missing && !missing->empty() && missing->size() != numNodes)) {
    why = "the nodes_* attributes must all have " + std::to_string(numNodes) + " entries";
    return failure();
  }
  if (targets.size() != weights->size()) {
    why = "leaf_targetids and leaf_weights must have the same length";
    return failure();
  }
  if (roots.empty()) {
    why = "tree_roots is empty";
    return failure();
  }
  int64_t numLeaves = targets.size();
  int64_t maxTarget = -1;
  for (int64_t target : targets) {
    if (target < 0) {
      why = "leaf target id " + std::to_string(target) + " is negative";
      return failure();
    }
    maxTarget = std::max(maxTarget, target);
  }
  t.numTargets = op.getNTargets() ? static_cast<int64_t>(*op.getNTargets()) : maxTarget + 1;
  if (maxTarget >= t.numTargets) {
    why = "leaf target id " + std::to_string(maxTarget) + " is not below n_targets (" +
          std::to_string(t.numTargets) + ")";
    return failure();
  }
  t.targets.assign(targets.begin(), targets.end());
  t.weights = *weights;
  for (int64_t l = 0; l <= numLeaves; ++l)
    t.leafBegin.push_back(l); // one vote per leaf

  // Branches as one i64 each: a node index, or -(leaf + 1).
  auto branch = [&](int64_t id, bool leaf, int64_t node, const char *side) -> FailureOr<int64_t> {
    int64_t bound = leaf ? numLeaves : static_cast<int64_t>(numNodes);
    if (id < 0 || id >= bound) {
      why = "node " + std::to_string(node) + " has " + side + " branch " + std::to_string(id) +
            ", out of range for " + std::to_string(bound) + (leaf ? " leaves" : " nodes");
      return failure();
    }
    return leaf ? -(id + 1) : id;
  };
  // The member sets: one NaN-terminated run of membership_values per BRANCH_MEMBER node.
  SmallVector<APFloat> memberValues;
  if (auto attr = op.getMembershipValuesAttr()) {
    FailureOr<SmallVector<APFloat>> values = readFloats(attr, sem);
    if (failed(values)) {
      why = "membership_values must be a constant float tensor";
      return failure();
    }
    memberValues = *values;
  }
  size_t nextMember = 0;
  int64_t nodeIndex = 0;
  for (APInt m : modes.getValues<APInt>()) {
    int64_t node = nodeIndex++;
    int64_t mode = m.getZExtValue();
    if (mode > MEMBER) {
      why = "node " + std::to_string(node) + " has unknown mode " + std::to_string(mode);
      return failure();
    }
    t.mode.push_back(mode);
    t.memberBegin.push_back(t.members.size());
    if (mode == MEMBER) {
      if (nextMember >= memberValues.size()) {
        why = "membership_values has no member set for BRANCH_MEMBER node " +
              std::to_string(node);
        return failure();
      }
      while (nextMember < memberValues.size() && !memberValues[nextMember].isNaN())
        t.members.push_back(memberValues[nextMember++]);
      ++nextMember; // the NaN delimiter (or the end)
    }
    t.memberEnd.push_back(t.members.size());
    FailureOr<int64_t> onTrue = branch(trueIds[node], trueLeafs[node] != 0, node, "true");
    if (failed(onTrue))
      return failure();
    FailureOr<int64_t> onFalse = branch(falseIds[node], falseLeafs[node] != 0, node, "false");
    if (failed(onFalse))
      return failure();
    t.trueNext.push_back(*onTrue);
    t.falseNext.push_back(*onFalse);
    t.missingTrue.push_back(missing && !missing->empty() ? ((*missing)[node] != 0) : 0);
    if (features[node] < 0) {
      why = "node " + std::to_string(node) + " has negative feature id " +
            std::to_string(features[node]);
      return failure();
    }
  }
  if (nextMember < memberValues.size()) {
    why = "membership_values has more member sets than there are BRANCH_MEMBER nodes";
    return failure();
  }
  t.feature.assign(features.begin(), features.end());
  t.splits = *splits;

  t.feature.assign(features.begin(), features.end());
  t.splits = *splits;
  for (int64_t root : roots) {
    if (root < 0 || root >= static_cast<int64_t>(numNodes)) {
      why = "tree root " + std::to_string(root) + " is out of range for " +
            std::to_string(numNodes) + " nodes";
      return failure();
    }
    // A tree that is a single leaf: both branches of its root name the same leaf.
    bool leafOnly = trueLeafs[root] && falseLeafs[root] && trueIds[root] == falseIds[root];
    t.rootStart.push_back(leafOnly ? t.trueNext[root] : root);
  }
  if (failed(checkTrees(t, why)))
    return failure();
  return t;
}

struct TreeEnsembleLowering : OnnxLoweringPattern<MLTreeEnsembleOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(MLTreeEnsembleOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    if (!xType)
      return failure();
    if (xType.getRank() != 2)
      return reject(rewriter, op, "X must be 2-D [N, F], got rank " + Twine(xType.getRank()));
    auto elem = cast<FloatType>(xType.getElementType());
    int64_t aggregate = op.getAggregateFunction();
    if (aggregate < AVERAGE || aggregate > MAX)
      return reject(rewriter, op, "unknown aggregate_function " + Twine(aggregate));
    int64_t post = op.getPostTransform();
    if (post < 0 || post > static_cast<int64_t>(PostTransform::Probit))
      return reject(rewriter, op, "unknown post_transform " + Twine(post));
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

void populateTreeEnsemblePatterns(const OnnxTypeConverter &converter,
                                  RewritePatternSet &patterns) {
  patterns.add<TreeEnsembleLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
