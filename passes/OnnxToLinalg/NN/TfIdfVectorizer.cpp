//===- TfIdfVectorizer.cpp - Lower onnx.TfIdfVectorizer --------------------===//
//
// Y[r, o] counts, in row r of X, the occurrences of the pool n-grams whose ngram_indexes
// entry is o: an n-gram of length n (min_gram_length <= n <= max_gram_length) matches at
// start s with skip distance d when X[r, s + k*d] is its k-th item for every k < n, for
// d = 1 .. max_skip_count + 1 (d = 1 only for unigrams, which skips do not change). The
// counts are then weighted by the mode: TF keeps them, IDF gives weights[o] (or 1) where
// the count is positive, TFIDF multiplies them by weights[o]. This is what the reference
// implementation and ONNX Runtime compute with their n-gram trie: a pool n-gram listed
// twice counts only at its last position, and the weights are indexed by output column.
//
// The pool is compiled into constant tables (the items, each n-gram's start and length,
// and for each output column the n-grams that count into it), and Y is one linalg.generic
// over [rows, columns] whose body counts the matches with scf.for loops. A 1-D X is one
// row. String pools are refused: Kiln has no string tensors.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <map>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// The pool as tables: the n-grams that count (their items in `items` from `start`, of
/// `length` items) grouped by output column (`columnBegin[o]` .. `columnBegin[o + 1]` in
/// `byColumn`).
struct Pool {
  SmallVector<int64_t> items, start, length, byColumn, columnBegin;
  int64_t outputSize = 0;
};

FailureOr<Pool> buildPool(TfIdfVectorizerOp op, std::string &why) {
  ArrayRef<int64_t> pool = *op.getPoolInt64s(), counts = op.getNgramCounts(),
                    indexes = op.getNgramIndexes();
  int64_t minLen = op.getMinGramLength(), maxLen = op.getMaxGramLength();
  int64_t total = pool.size();
  // Every n-gram of the pool, in order: (start, length). Sizes outside [min, max] still
  // take their ngram_indexes entries.
  SmallVector<std::pair<int64_t, int64_t>> grams;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t begin = counts[i], end = i + 1 < counts.size() ? counts[i + 1] : total;
    int64_t size = i + 1;
    if (begin < 0 || begin > total || end < begin || end > total) {
      why = "ngram_counts must be nondecreasing offsets into the pool of " +
            std::to_string(total) + " items";
      return failure();
    }
    for (int64_t s = begin; s + size <= end; s += size)
      grams.push_back({s, size});
  }
  if (grams.size() > indexes.size()) {
    why = "the pool has " + std::to_string(grams.size()) + " n-grams but ngram_indexes has " +
          std::to_string(indexes.size()) + " entries";
    return failure();
  }
  Pool p;
  for (int64_t index : indexes) {
    if (index < 0) {
      why = "ngram_indexes has a negative entry " + std::to_string(index);
      return failure();
    }
    p.outputSize = std::max(p.outputSize, index + 1);
  }
  // The n-grams that count: lengths in [min, max], the last of equal n-grams.
  std::map<SmallVector<int64_t>, size_t> last;
  for (size_t g = 0; g < grams.size(); ++g) {
    auto [s, n] = grams[g];
    if (n >= minLen && n <= maxLen)
      last[SmallVector<int64_t>(pool.slice(s, n))] = g;
  }
  SmallVector<SmallVector<int64_t>> columns(p.outputSize);
  for (auto &[items, g] : last) {
    int64_t id = p.start.size();
    p.start.push_back(p.items.size());
    p.length.push_back(items.size());
    p.items.append(items.begin(), items.end());
    columns[indexes[g]].push_back(id);
  }
  for (const auto &column : columns) {
    p.columnBegin.push_back(p.byColumn.size());
    p.byColumn.append(column.begin(), column.end());
  }
  p.columnBegin.push_back(p.byColumn.size());
  return p;
}

Value indexTable(OpBuilder &b, Location loc, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, b.getIndexType());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

struct TfIdfVectorizerLowering : OnnxLoweringPattern<TfIdfVectorizerOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(TfIdfVectorizerOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (op.getPoolStrings() && !op.getPoolStrings()->empty())
      return reject(rewriter, op, "pool_strings is not supported: Kiln has no string tensors");
    if (!op.getPoolInt64s())
      return reject(rewriter, op, "pool_int64s is missing");
    StringRef mode = op.getMode();
    if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
      return reject(rewriter, op, "mode must be TF, IDF or TFIDF, got " + mode);
    int64_t minLen = op.getMinGramLength(), maxLen = op.getMaxGramLength();
    int64_t maxSkip = op.getMaxSkipCount();
    if (minLen < 1 || maxLen < minLen || maxSkip < 0)
      return reject(rewriter, op, "needs 1 <= min_gram_length <= max_gram_length and "
                                  "max_skip_count >= 0");
    Value x = adaptor.getX();
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    if (!xType)
      return failure();
    if (xType.getRank() != 1 && xType.getRank() != 2)
      return reject(rewriter, op, "X must be [C] or [N, C], got rank " + Twine(xType.getRank()));
    auto xElem = dyn_cast<IntegerType>(xType.getElementType());
    if (!xElem)
      return reject(rewriter, op, "X must be an int32 or int64 tensor");
    std::string why;
    FailureOr<Pool> pool = buildPool(op, why);
    if (failed(pool))
      return reject(rewriter, op, why);
    const Pool &p = *pool;
    SmallVector<float> weights;
    if (auto w = op.getWeights())
      weights.assign(w->begin(), w->end());
    if (!weights.empty() && static_cast<int64_t>(weights.size()) < p.outputSize)
      return reject(rewriter, op, "weights has " + Twine(weights.size()) +
                                      " entries, fewer than the " + Twine(p.outputSize) +
                                      " output columns");
    if (resultType.getRank() != xType.getRank() ||
        (!resultType.isDynamicDim(resultType.getRank() - 1) &&
         resultType.getDimSize(resultType.getRank() - 1) != p.outputSize))
      return reject(rewriter, op, "the result must have X's rank and " + Twine(p.outputSize) +
                                      " columns");

    // Work on rows: a 1-D X is one row.
    Value rows = x;
    if (xType.getRank() == 1)
      rows = insertUnitDims(rewriter, loc, x,
                            {0}, RankedTensorType::get({1, xType.getDimSize(0)}, xElem));
    Value numRows = getDimValue(rewriter, loc, rows, 0);
    Value numCols = getDimValue(rewriter, loc, rows, 1);

    Value items = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({static_cast<int64_t>(p.items.size())}, rewriter.getI64Type()),
            ArrayRef<int64_t>(p.items)));
    Value starts = indexTable(rewriter, loc, p.start);
    Value lengths = indexTable(rewriter, loc, p.length);
    Value byColumn = indexTable(rewriter, loc, p.byColumn);
    Value columnBegin = indexTable(rewriter, loc, p.columnBegin);
    Value weightTable;
    if (!weights.empty())
      weightTable = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({static_cast<int64_t>(weights.size())},
                                                       rewriter.getF32Type()),
                                 ArrayRef<float>(weights)));

    auto outType = RankedTensorType::get({xType.getRank() == 1 ? 1 : xType.getDimSize(0),
                                          p.outputSize},
                                         rewriter.getF32Type());
    Value init = createEmpty(rewriter, loc, outType,
                             outType.isDynamicDim(0) ? SmallVector<Value>{numRows}
                                                     : SmallVector<Value>{});
    SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(2)}, iters,
        [&](OpBuilder &b, Location l, ValueRange) {
          Value row = linalg::IndexOp::create(b, l, 0);
          Value column = linalg::IndexOp::create(b, l, 1);
          Value c0 = arith::ConstantIndexOp::create(b, l, 0);
          Value c1 = arith::ConstantIndexOp::create(b, l, 1);
          Value zero = arith::ConstantIntOp::create(b, l, 0, 64);
          auto extract = [&](Value table, Value i) {
            return Value(tensor::ExtractOp::create(b, l, table, ValueRange{i}));
          };
          Value begin = extract(columnBegin, column);
          Value end = extract(columnBegin, arith::AddIOp::create(b, l, column, c1));
          // count = the matches of every n-gram of this column, at every skip and start.
          auto overGrams = scf::ForOp::create(
              b, l, begin, end, c1, ValueRange{zero},
              [&](OpBuilder &gb, Location gl, Value e, ValueRange gAcc) {
                Value gram = tensor::ExtractOp::create(gb, gl, byColumn, ValueRange{e});
                Value start = tensor::ExtractOp::create(gb, gl, starts, ValueRange{gram});
                Value n = tensor::ExtractOp::create(gb, gl, lengths, ValueRange{gram});
                Value isUnigram = arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::eq, n, c1);
                Value skips = arith::SelectOp::create(
                    gb, gl, isUnigram, c1, arith::ConstantIndexOp::create(gb, gl, maxSkip + 1));
                Value nMinus1 = arith::SubIOp::create(gb, gl, n, c1);
                auto overSkips = scf::ForOp::create(
                    gb, gl, c1, arith::AddIOp::create(gb, gl, skips, c1), c1, gAcc,
                    [&](OpBuilder &db, Location dl, Value d, ValueRange dAcc) {
                      // Starts s with s + (n - 1) d < C.
                      Value span = arith::MulIOp::create(db, dl, nMinus1, d);
                      Value last = arith::MaxSIOp::create(
                          db, dl, arith::SubIOp::create(db, dl, numCols, span), c0);
                      auto overStarts = scf::ForOp::create(
                          db, dl, c0, last, c1, dAcc,
                          [&](OpBuilder &sb, Location sl, Value s, ValueRange sAcc) {
                            Value yes = arith::ConstantIntOp::create(sb, sl, 1, 1);
                            auto match = scf::ForOp::create(
                                sb, sl, c0, n, c1, ValueRange{yes},
                                [&](OpBuilder &kb, Location kl, Value k, ValueRange ok) {
                                  Value pos = arith::AddIOp::create(
                                      kb, kl, s, arith::MulIOp::create(kb, kl, k, d));
                                  Value v = tensor::ExtractOp::create(kb, kl, rows,
                                                                      ValueRange{row, pos});
                                  if (xElem.getWidth() < 64)
                                    v = arith::ExtSIOp::create(kb, kl, kb.getI64Type(), v);
                                  Value item = tensor::ExtractOp::create(
                                      kb, kl, items,
                                      ValueRange{arith::AddIOp::create(kb, kl, start, k)});
                                  Value eq = arith::CmpIOp::create(
                                      kb, kl, arith::CmpIPredicate::eq, v, item);
                                  scf::YieldOp::create(
                                      kb, kl, Value(arith::AndIOp::create(kb, kl, ok[0], eq)));
                                });
                            Value inc = arith::ExtUIOp::create(sb, sl, sb.getI64Type(),
                                                               match.getResult(0));
                            scf::YieldOp::create(
                                sb, sl, Value(arith::AddIOp::create(sb, sl, sAcc[0], inc)));
                          });
                      scf::YieldOp::create(db, dl, overStarts.getResults());
                    });
                scf::YieldOp::create(gb, gl, overSkips.getResults());
              });
          Value count = overGrams.getResult(0);
          Value countF = arith::SIToFPOp::create(b, l, b.getF32Type(), count);
          Value one = arith::ConstantOp::create(b, l, b.getF32FloatAttr(1.0f));
          Value zeroF = arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0f));
          Value w = weightTable ? extract(weightTable, column) : one;
          Value y = countF;
          if (mode == "IDF") {
            Value positive =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, count, zero);
            y = arith::SelectOp::create(b, l, positive, w, zeroF);
          } else if (mode == "TFIDF" && weightTable) {
            y = arith::MulFOp::create(b, l, w, countF);
          }
          linalg::YieldOp::create(b, l, y);
        });
    Value result = generic.getResult(0);
    if (xType.getRank() == 1)
      result = dropUnitDims(rewriter, loc, result, {0},
                            RankedTensorType::get({p.outputSize}, rewriter.getF32Type()));
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateTfIdfVectorizerPatterns(const OnnxTypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<TfIdfVectorizerLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
