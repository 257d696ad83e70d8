//===- TreeWalk.h - Evaluating tree ensembles from node tables --*- C++ -*-===//
//
// TreeEnsemble and the older TreeEnsembleRegressor describe their trees differently but
// evaluate them alike: each lowering turns its attributes into TreeTables, and
// buildTreeEnsemble walks every (row, tree) pair over those constant tables with an
// scf.while, aggregates the leaves' votes per target and applies the post transform.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_ML_TREEWALK_H
#define KILN_PASSES_ONNXTOLINALG_ML_TREEWALK_H

#include "passes/OnnxToLinalg/ML/PostTransform.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

#include <string>

namespace kiln::conversion {

/// Node comparisons, numbered as TreeEnsemble's nodes_modes.
enum TreeMode : int64_t { LEQ = 0, LT = 1, GTE = 2, GT = 3, EQ = 4, NEQ = 5, MEMBER = 6 };
/// Aggregations, numbered as TreeEnsemble's aggregate_function.
enum TreeAggregate : int64_t { AVERAGE = 0, SUM = 1, MIN = 2, MAX = 3 };

/// An ensemble as flat tables. A branch (trueNext, falseNext, rootStart) is one i64: an
/// interior node index, or -(leaf + 1) for a leaf. Leaf l votes (target, weight) for the
/// entries leafBegin[l] .. leafBegin[l + 1] of `targets` and `weights`. Float entries are
/// in the evaluation type.
struct TreeTables {
  llvm::SmallVector<int64_t> feature, mode, trueNext, falseNext, missingTrue, memberBegin,
      memberEnd;
  llvm::SmallVector<llvm::APFloat> splits, members, weights;
  llvm::SmallVector<int64_t> targets, leafBegin, rootStart;
  /// Added to each target after aggregation (empty: none).
  llvm::SmallVector<llvm::APFloat> baseValues;
  int64_t numTargets = 0;
  /// The largest feature a reachable node reads, or -1 (set by checkTrees).
  int64_t maxFeature = -1;
};

/// Checks that every branch is in range, every target below numTargets, and that the
/// nodes reachable from the roots form no cycle; finds maxFeature. Returns why not.
mlir::LogicalResult checkTrees(TreeTables &t, std::string &why);

/// Evaluates the ensemble on the 2-D X (any int or float type, read in `evalType`) into
/// `resultType`, [N, numTargets].
mlir::LogicalResult buildTreeEnsemble(mlir::ConversionPatternRewriter &rewriter,
                                      mlir::Operation *op, mlir::Value x, const TreeTables &t,
                                      mlir::FloatType evalType, TreeAggregate aggregate,
                                      PostTransform post, mlir::RankedTensorType resultType);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_ML_TREEWALK_H
