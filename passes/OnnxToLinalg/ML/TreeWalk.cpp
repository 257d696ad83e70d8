//===- TreeWalk.cpp - Evaluating tree ensembles from node tables ----------===//
//
// The trees are not unrolled into code: each (row, tree) pair walks its tree with an
// scf.while over constant tables (one entry per interior node: feature, mode, split, next
// branch on true and false, whether a NaN goes the true way, its range of set members)
// until it reaches a leaf, whose votes are aggregated (SUM, AVERAGE, MIN, MAX) into the
// row's targets. The tables are validated at compile time (checkTrees: a walk always
// ends); the features the reachable nodes read are checked against X's width at run time.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ML/TreeWalk.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

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

/// Whether `node`'s comparison of the feature value `v` holds (NaN aside), selected by
/// the node's mode among all the comparisons.
Value branchTaken(OpBuilder &b, Location l, Value v, Value node, Value mode,
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

} // namespace

LogicalResult checkTrees(TreeTables &t, std::string &why) {
  int64_t numNodes = t.feature.size(), numLeaves = static_cast<int64_t>(t.leafBegin.size()) - 1;
  auto valid = [&](int64_t next) {
    return next >= 0 ? next < numNodes : -(next + 1) < numLeaves;
  };
  for (int64_t n = 0; n < numNodes; ++n) {
    if (!valid(t.trueNext[n]) || !valid(t.falseNext[n])) {
      why = "node " + std::to_string(n) + " has a branch out of range for " +
            std::to_string(numNodes) + " nodes and " + std::to_string(numLeaves) + " leaves";
      return failure();
    }
    if (t.feature[n] < 0) {
      why = "node " + std::to_string(n) + " has negative feature id " +
            std::to_string(t.feature[n]);
      return failure();
    }
  }
  for (int64_t target : t.targets)
    if (target < 0 || target >= t.numTargets) {
      why = "leaf target id " + std::to_string(target) + " is not in [0, n_targets = " +
            std::to_string(t.numTargets) + ")";
      return failure();
    }
  if (!t.baseValues.empty() && static_cast<int64_t>(t.baseValues.size()) != t.numTargets) {
    why = "base_values must have n_targets (" + std::to_string(t.numTargets) + ") entries";
    return failure();
  }
  // A depth-first search from the roots finds cycles and the largest feature read.
  SmallVector<uint8_t> color(numNodes, 0); // 0 unseen, 1 on the stack, 2 done
  for (int64_t root : t.rootStart) {
    if (!valid(root)) {
      why = "a tree root is out of range";
      return failure();
    }
    if (root < 0 || color[root] == 2)
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
  return success();
}

LogicalResult buildTreeEnsemble(ConversionPatternRewriter &rewriter, Operation *op, Value x,
                                const TreeTables &t, FloatType elem, TreeAggregate aggregate,
                                PostTransform post, RankedTensorType resultType) {
  Location loc = op->getLoc();
  auto xType = cast<RankedTensorType>(x.getType());
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
  Value targets = i64Table(rewriter, loc, t.targets);
  Value weights = floatTable(rewriter, loc, elem, t.weights);
  Value leafBegin = i64Table(rewriter, loc, t.leafBegin);
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
              if (v.getType() != elem)
                v = castScalar(ab, al, v, elem, /*srcUnsigned=*/false, /*dstUnsigned=*/false);
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
        // Its votes.
        Value one = arith::ConstantIntOp::create(b, l, 1, 64);
        auto toIndex = [&](Value v) {
          return Value(arith::IndexCastOp::create(b, l, b.getIndexType(), v));
        };
        Value first = toIndex(at(b, l, leafBegin, leaf));
        Value last = toIndex(at(b, l, leafBegin, arith::AddIOp::create(b, l, leaf, one)));
        auto votes = scf::ForOp::create(
            b, l, first, last, arith::ConstantIndexOp::create(b, l, 1), iters,
            [&](OpBuilder &vb, Location vl, Value k, ValueRange acc) {
              Value target = arith::IndexCastOp::create(
                  vb, vl, vb.getIndexType(),
                  tensor::ExtractOp::create(vb, vl, targets, ValueRange{k}));
              Value weight = tensor::ExtractOp::create(vb, vl, weights, ValueRange{k});
              Value old = tensor::ExtractOp::create(vb, vl, acc[0], ValueRange{row, target});
              Value updated;
              switch (aggregate) {
              case MIN:
                updated = arith::MinimumFOp::create(vb, vl, old, weight);
                break;
              case MAX:
                updated = arith::MaximumFOp::create(vb, vl, old, weight);
                break;
              default:
                updated = arith::AddFOp::create(vb, vl, old, weight);
              }
              scf::YieldOp::create(
                  vb, vl,
                  Value(tensor::InsertOp::create(vb, vl, updated, acc[0],
                                                 ValueRange{row, target})));
            });
        return SmallVector<Value>(votes.getResults());
      })[0];

  if (aggregate != SUM || !t.baseValues.empty()) {
    // AVERAGE: divide by the number of trees; MIN, MAX: an untouched target is 0; then
    // add the base values.
    Value count = createScalarConstant(rewriter, loc, elem, t.rootStart.size());
    Value untouched = createScalarConstant(rewriter, loc, elem, identity);
    Value zero = createScalarConstant(rewriter, loc, elem, 0.0);
    Value base = t.baseValues.empty() ? Value() : floatTable(rewriter, loc, elem, t.baseValues);
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(2));
    SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
    scores = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{scoresType}, ValueRange{scores},
                 ValueRange{createEmptyLike(rewriter, loc, scoresType, scores)}, maps, iters,
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   Value v = a[0];
                   if (aggregate == AVERAGE) {
                     v = arith::DivFOp::create(b, l, v, count);
                   } else if (aggregate != SUM) {
                     Value none =
                         arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, v, untouched);
                     v = arith::SelectOp::create(b, l, none, zero, v);
                   }
                   if (base) {
                     Value target = linalg::IndexOp::create(b, l, 1);
                     v = arith::AddFOp::create(
                         b, l, v, tensor::ExtractOp::create(b, l, base, ValueRange{target}));
                   }
                   linalg::YieldOp::create(b, l, v);
                 })
                 .getResult(0);
  }
  scores = applyPostTransform(rewriter, loc, scores, post);
  auto resultElem = resultType.getElementType();
  if (resultElem != elem) {
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(2));
    SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
    auto castType = RankedTensorType::get(scoresType.getShape(), resultElem);
    scores = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{castType}, ValueRange{scores},
                 ValueRange{createEmptyLike(rewriter, loc, castType, scores)}, maps, iters,
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   linalg::YieldOp::create(b, l, castScalar(b, l, a[0], resultElem, false, false));
                 })
                 .getResult(0);
  }
  rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, scores, resultType));
  return success();
}

} // namespace kiln::conversion
