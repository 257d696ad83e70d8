//===- TreeEnsemble.cpp - Lower onnx.ml.TreeEnsemble -----------------------===//
//
// The trees are not unrolled into code: their attributes become constant tables (one
// entry per interior node: feature, mode, split, next node on true and false, whether a
// NaN goes the true way, its range of set members; one per leaf: target and weight) and
// each (row, tree) pair walks its tree with an scf.while over the tables until it reaches
// a leaf, whose weight is aggregated (SUM, AVERAGE, MIN, MAX) into the row's target.
// A branch is encoded as one i64: a node index, or -(leaf + 1) for a leaf.
//
// The tables are validated when the op is compiled: every node and leaf reference in
// range, every leaf target below n_targets, one NaN-delimited member set per
// BRANCH_MEMBER node, and no cycle (a walk always ends). The features the reachable nodes
// read are checked against X's width at run time.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ML/PostTransform.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

enum Mode : int64_t { LEQ = 0, LT = 1, GTE = 2, GT = 3, EQ = 4, NEQ = 5, MEMBER = 6 };
enum Aggregate : int64_t { AVERAGE = 0, SUM = 1, MIN = 2, MAX = 3 };

/// The ensemble as flat tables, built and validated from the attributes.
struct Tables {
  SmallVector<int64_t> feature, mode, trueNext, falseNext, missingTrue, memberBegin, memberEnd;
  SmallVector<APFloat> splits, members, leafWeights;
  SmallVector<int64_t> leafTargets, rootStart;
  int64_t numTargets = 0;
  /// The largest feature a reachable node reads, or -1.
  int64_t maxFeature = -1;
};

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
FailureOr<Tables> buildTables(MLTreeEnsembleOp op, FloatType elem, std::string &why) {
  const llvm::fltSemantics &sem = elem.getFloatSemantics();
  Tables t;
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
  t.leafTargets.assign(targets.begin(), targets.end());
  t.leafWeights = *weights;

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

  // Each tree's start, and a depth-first search of the nodes reachable from the roots
  // that finds cycles and the largest feature read.
  SmallVector<uint8_t> color(numNodes, 0); // 0 unseen, 1 on the stack, 2 done
  for (int64_t root : roots) {
    if (root < 0 || root >= static_cast<int64_t>(numNodes)) {
      why = "tree root " + std::to_string(root) + " is out of range for " +
            std::to_string(numNodes) + " nodes";
      return failure();
    }
    // A tree that is a single leaf: both branches of its root name the same leaf.
    if (trueLeafs[root] && falseLeafs[root] && trueIds[root] == falseIds[root]) {
      t.rootStart.push_back(t.trueNext[root]);
      continue;
    }
    t.rootStart.push_back(root);
    if (color[root] == 2)
      continue;
    SmallVector<std::pair<int64_t, int>> stack{{root, 0}};
    color[root] = 1;
    while (!stack.empty()) {
      int64_t node = stack.back().first;
      int side = stack.back().second++;
      if (side == 2) {
        color[node] = 2;
        t.maxFeature = std::max(t.maxFeature, t.feature[node]);
        stack.pop_back();
        continue;
      }
      int64_t next = side == 0 ? t.trueNext[node] : t.falseNext[node];
      if (next < 0 || color[next] == 2)
        continue;
      if (color[next] == 1) {
        why = "the nodes reachable from tree root " + std::to_string(root) + " form a cycle";
        return failure();
      }
      color[next] = 1;
      stack.push_back({next, 0});
    }
  }
  return t;
}

Value i64Table(OpBuilder &b, Location loc, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, b.getI64Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

Value floatTable(OpBuilder &b, Location loc, Type elem, ArrayRef<APFloat> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, elem);
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

Value at(OpBuilder &b, Location loc, Value table, Value i64Index) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), i64Index);
  return tensor::ExtractOp::create(b, loc, table, ValueRange{index});
}

struct TreeEnsembleLowering : OnnxLoweringPattern<MLTreeEnsembleOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(MLTreeEnsembleOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
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
    FailureOr<Tables> tables = buildTables(op, elem, why);
    if (failed(tables))
      return reject(rewriter, op, why);
    const Tables &t = *tables;
    if (resultType.getRank() != 2 ||
        (!resultType.isDynamicDim(1) && resultType.getDimSize(1) != t.numTargets))
      return reject(rewriter, op, "the result must be [N, " + Twine(t.numTargets) + "]");

    // Every feature a walk can read must be a column of X.
    Value numFeatures = getDimValue(rewriter, loc, x, 1);
    if (t.maxFeature >= 0) {
      if (!xType.isDynamicDim(1) && t.maxFeature >= xType.getDimSize(1))
        return reject(rewriter, op, "feature id " + Twine(t.maxFeature) +
                                        " is out of range for X with " +
                                        Twine(xType.getDimSize(1)) + " features");
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::slt,
                 rewriter.getIndexAttr(t.maxFeature), numFeatures,
                 "feature id {} is out of range for X with {} features");
    }

    // The tables.
    Value feature = i64Table(rewriter, loc, t.feature), mode = i64Table(rewriter, loc, t.mode);
    Value trueNext = i64Table(rewriter, loc, t.trueNext);
    Value falseNext = i64Table(rewriter, loc, t.falseNext);
    Value missingTrue = i64Table(rewriter, loc, t.missingTrue);
    Value splits = floatTable(rewriter, loc, elem, t.splits);
    Value leafTargets = i64Table(rewriter, loc, t.leafTargets);
    Value leafWeights = floatTable(rewriter, loc, elem, t.leafWeights);
    Value rootStart = i64Table(rewriter, loc, t.rootStart);
    Value members, memberBegin, memberEnd;
    if (!t.members.empty()) {
      members = floatTable(rewriter, loc, elem, t.members);
      memberBegin = i64Table(rewriter, loc, t.memberBegin);
      memberEnd = i64Table(rewriter, loc, t.memberEnd);
    }

    // The scores, filled with the aggregate's identity: 0, or an infinity for MIN and MAX
    // that a target no leaf reaches keeps until the end, where it becomes 0 (as in ONNX
    // Runtime; the reference implementation leaves the largest finite value there).
    Value numRows = getDimValue(rewriter, loc, x, 0);
    auto scoresType = RankedTensorType::get({xType.getDimSize(0), t.numTargets}, elem);
    double inf = std::numeric_limits<double>::infinity();
    double identity = aggregate == MIN ? inf : aggregate == MAX ? -inf : 0.0;
    Value scores =
        fill(rewriter, loc,
             createEmpty(rewriter, loc, scoresType,
                         dynamicSizesOf(rewriter, loc, scoresType,
                                        {numRows, arith::ConstantIndexOp::create(
                                                      rewriter, loc, t.numTargets)})),
             createScalarConstant(rewriter, loc, elem, identity));

    Value numTrees = arith::ConstantIndexOp::create(rewriter, loc, t.rootStart.size());
    scores = loopNest(
        rewriter, loc, {numRows, numTrees}, ValueRange{scores},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iters) {
          Value row = ivs[0];
          Value start = tensor::ExtractOp::create(b, l, rootStart, ValueRange{ivs[1]});
          Value zero = arith::ConstantIntOp::create(b, l, 0, 64);
          auto walk = scf::WhileOp::create(
              b, l, TypeRange{b.getI64Type()}, ValueRange{start},
              [&](OpBuilder &bb, Location bl, ValueRange args) {
                Value atNode =
                    arith::CmpIOp::create(bb, bl, arith::CmpIPredicate::sge, args[0], zero);
                scf::ConditionOp::create(bb, bl, atNode, args);
              },
              [&](OpBuilder &ab, Location al, ValueRange args) {
                Value node = args[0];
                Value f = arith::IndexCastOp::create(ab, al, ab.getIndexType(),
                                                     at(ab, al, feature, node));
                Value v = tensor::ExtractOp::create(ab, al, x, ValueRange{row, f});
                Value taken = branchTaken(ab, al, v, node, mode, splits, members, memberBegin,
                                          memberEnd);
                Value nan = arith::CmpFOp::create(ab, al, arith::CmpFPredicate::UNO, v, v);
                Value nanTrue = arith::AndIOp::create(
                    ab, al, nan,
                    arith::CmpIOp::create(ab, al, arith::CmpIPredicate::ne,
                                          at(ab, al, missingTrue, node), zero));
                taken = arith::OrIOp::create(ab, al, taken, nanTrue);
                Value next = arith::SelectOp::create(ab, al, taken, at(ab, al, trueNext, node),
                                                     at(ab, al, falseNext, node));
                scf::YieldOp::create(ab, al, next);
              });
          // The leaf: -(branch + 1).
          Value leaf = arith::SubIOp::create(
              b, l, arith::ConstantIntOp::create(b, l, -1, 64), walk.getResult(0));
          Value target = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                    at(b, l, leafTargets, leaf));
          Value weight = at(b, l, leafWeights, leaf);
          Value old = tensor::ExtractOp::create(b, l, iters[0], ValueRange{row, target});
          Value updated;
          switch (aggregate) {
          case MIN:
            updated = arith::MinimumFOp::create(b, l, old, weight);
            break;
          case MAX:
            updated = arith::MaximumFOp::create(b, l, old, weight);
            break;
          default:
            updated = arith::AddFOp::create(b, l, old, weight);
          }
          return SmallVector<Value>{
              tensor::InsertOp::create(b, l, updated, iters[0], ValueRange{row, target})};
        })[0];

    if (aggregate != SUM) {
      // AVERAGE: divide by the number of trees; MIN, MAX: an untouched target is 0.
      Value count = createScalarConstant(rewriter, loc, elem, t.rootStart.size());
      Value untouched = createScalarConstant(rewriter, loc, elem, identity);
      Value zero = createScalarConstant(rewriter, loc, elem, 0.0);
      SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(2));
      SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
      scores = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{scoresType}, ValueRange{scores},
                   ValueRange{createEmptyLike(rewriter, loc, scoresType, scores)}, maps, iters,
                   [&](OpBuilder &b, Location l, ValueRange a) {
                     Value v;
                     if (aggregate == AVERAGE) {
                       v = arith::DivFOp::create(b, l, a[0], count);
                     } else {
                       Value none = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                                          a[0], untouched);
                       v = arith::SelectOp::create(b, l, none, zero, a[0]);
                     }
                     linalg::YieldOp::create(b, l, v);
                   })
                   .getResult(0);
    }
    scores = applyPostTransform(rewriter, loc, scores, static_cast<PostTransform>(post));
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, scores, resultType));
    return success();
  }

  /// Whether `node`'s comparison of the feature value `v` holds (NaN aside), selected by
  /// the node's mode among all the comparisons.
  static Value branchTaken(OpBuilder &b, Location l, Value v, Value node, Value mode,
                           Value splits, Value members, Value memberBegin, Value memberEnd) {
    Value split = at(b, l, splits, node);
    auto cmp = [&](arith::CmpFPredicate p) { return arith::CmpFOp::create(b, l, p, v, split); };
    // A NaN is never equal, but always not-equal, as in the reference implementation.
    std::pair<int64_t, Value> compares[] = {
        {LEQ, cmp(arith::CmpFPredicate::OLE)}, {LT, cmp(arith::CmpFPredicate::OLT)},
        {GTE, cmp(arith::CmpFPredicate::OGE)}, {GT, cmp(arith::CmpFPredicate::OGT)},
        {EQ, cmp(arith::CmpFPredicate::OEQ)}};
    Value result = cmp(arith::CmpFPredicate::UNE);
    if (members) {
      // BRANCH_MEMBER: whether v is one of the node's members (an empty range elsewhere).
      Value begin = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                               at(b, l, memberBegin, node));
      Value end =
          arith::IndexCastOp::create(b, l, b.getIndexType(), at(b, l, memberEnd, node));
      Value one = arith::ConstantIndexOp::create(b, l, 1);
      Value no = arith::ConstantIntOp::create(b, l, 0, 1);
      auto loop = scf::ForOp::create(
          b, l, begin, end, one, ValueRange{no},
          [&](OpBuilder &fb, Location fl, Value k, ValueRange found) {
            Value m = tensor::ExtractOp::create(fb, fl, members, ValueRange{k});
            Value eq = arith::CmpFOp::create(fb, fl, arith::CmpFPredicate::OEQ, v, m);
            scf::YieldOp::create(fb, fl, Value(arith::OrIOp::create(fb, fl, found[0], eq)));
          });
      Value isMember = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                             at(b, l, mode, node),
                                             arith::ConstantIntOp::create(b, l, MEMBER, 64));
      result = arith::SelectOp::create(b, l, isMember, loop.getResult(0), result);
    }
    Value m = at(b, l, mode, node);
    for (auto [code, value] : compares) {
      Value is = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, m,
                                       arith::ConstantIntOp::create(b, l, code, 64));
      result = arith::SelectOp::create(b, l, is, value, result);
    }
    return result;
  }
};

} // namespace

void populateTreeEnsemblePatterns(const OnnxTypeConverter &converter,
                                  RewritePatternSet &patterns) {
  patterns.add<TreeEnsembleLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
