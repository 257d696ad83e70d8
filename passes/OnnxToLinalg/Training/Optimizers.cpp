//===- Optimizers.cpp - Lower the ai.onnx.preview.training optimizers ----===//
//
// Adagrad, Adam and Momentum (standard and Nesterov) compute one optimizer step: scalar
// coefficients from the learning rate R and the update count T, then an elementwise
// update of every optimized tensor X_i from its gradient G_i and its accumulators
// (H_i, V_i). The variadic form lists the tensors group by group (X_1..X_n, G_1..G_n,
// ...) and returns them the same way; each tensor gets one linalg.generic that computes
// all of its outputs. The scalar coefficients are computed once, in f64, and rounded to
// the tensors' element type.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/OpAttributes.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// The scalar coefficients of one step, as f64 Values computed outside the kernel.
using Coefficients = SmallVector<Value>;

/// Computes an optimizer's outputs for one element: `args` are the element of X, G and
/// the accumulators in input order, `coef` the coefficients in the element type.
using UpdateFn = std::function<SmallVector<Value>(OpBuilder &, Location, ValueRange args,
                                                  ArrayRef<Value> coef, Operation *op)>;

/// Computes the coefficients from R and T (f64 scalars).
using CoefficientFn =
    std::function<Coefficients(OpBuilder &, Location, Value r, Value t, Operation *op)>;

/// How one optimizer reads its variadic operands: `numInputs` tensors per optimized
/// tensor (X, G, accumulators) and `numInputs - 1` outputs (X_new, accumulators_new).
struct OptimizerSpec {
  unsigned numInputs;
  CoefficientFn coefficients;
  UpdateFn update;
  /// Why the op's attributes cannot be lowered, or "" (optional).
  std::function<std::string(Operation *)> invalid;
};

Value f64Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
}

/// Rounds the f64 scalar `v` to `type` (f32 or f64).
Value toElementType(OpBuilder &b, Location loc, Value v, Type type) {
  if (type == v.getType())
    return v;
  return arith::TruncFOp::create(b, loc, type, v);
}

/// Reads the one element of a scalar operand (R or T), declining an operand that is
/// statically not a single element.
FailureOr<Value> readScalar(ConversionPatternRewriter &rewriter, Operation *op, Value v,
                            StringRef name) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return reject(rewriter, op, Twine(name) + " is not a ranked tensor");
  if (type.hasStaticShape() && type.getNumElements() != 1)
    return reject(rewriter, op, Twine(name) + " must be a scalar, got " +
                                    std::to_string(type.getNumElements()) + " elements");
  Location loc = op->getLoc();
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      checkSizesEqual(rewriter, loc, op, getDimValue(rewriter, loc, v, d),
                      rewriter.getIndexAttr(1),
                      Twine(name) + " must be a scalar: its dim " + Twine(d) + " is {}, not {}");
  return extractScalar(rewriter, loc, v);
}

class OptimizerLowering : public OnnxNamedLoweringPattern {
public:
  OptimizerLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name,
                    OptimizerSpec spec)
      : OnnxNamedLoweringPattern(converter, ctx, name), spec(std::move(spec)) {}

  LogicalResult matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                      RankedTensorType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op->getLoc();
    if (spec.invalid) {
      std::string why = spec.invalid(op);
      if (!why.empty())
        return reject(rewriter, op, why);
    }
    ArrayRef<Value> tensors = operands.drop_front(2);
    unsigned k = spec.numInputs;
    if (tensors.empty() || tensors.size() % k != 0)
      return reject(rewriter, op,
                    "expects " + Twine(k) + " input tensors per optimized tensor, got " +
                        Twine(tensors.size()));
    unsigned n = tensors.size() / k;
    if (op->getNumResults() != n * (k - 1))
      return reject(rewriter, op,
                    "expects " + Twine(n * (k - 1)) + " outputs for " + Twine(n) +
                        " optimized tensors, got " + Twine(op->getNumResults()));

    // Read R and T, and compute the scalar coefficients in f64.
    FailureOr<Value> r = readScalar(rewriter, op, operands[0], "R");
    if (failed(r))
      return failure();
    FailureOr<Value> t = readScalar(rewriter, op, operands[1], "T");
    if (failed(t))
      return failure();
    Value r64 = *r;
    if (r64.getType() != rewriter.getF64Type())
      r64 = arith::ExtFOp::create(rewriter, loc, rewriter.getF64Type(), r64);
    Value t64 = arith::SIToFPOp::create(rewriter, loc, rewriter.getF64Type(), *t);
    Coefficients coef64 = spec.coefficients(rewriter, loc, r64, t64, op);

    SmallVector<Value> results(op->getNumResults());
    for (unsigned i = 0; i < n; ++i) {
      SmallVector<Value> ins;
      for (unsigned j = 0; j < k; ++j)
        ins.push_back(tensors[j * n + i]);
      auto xType = dyn_cast<RankedTensorType>(ins[0].getType());
      if (!xType)
        return reject(rewriter, op, "X" + Twine(i + 1) + " is not a ranked tensor");
      // Every tensor of the group has X's shape: the outputs are X's and the accumulators'.
      for (unsigned j = 1; j < k; ++j) {
        auto type = dyn_cast<RankedTensorType>(ins[j].getType());
        if (!type || type.getRank() != xType.getRank() ||
            type.getElementType() != xType.getElementType())
          return reject(rewriter, op, "input " + Twine(2 + j * n + i) +
                                          " must have the rank and element type of X" +
                                          Twine(i + 1));
        for (int64_t d = 0; d < xType.getRank(); ++d) {
          if (!type.isDynamicDim(d) && !xType.isDynamicDim(d) &&
              type.getDimSize(d) != xType.getDimSize(d))
            return reject(rewriter, op, "input " + Twine(2 + j * n + i) + " has size " +
                                            Twine(type.getDimSize(d)) + " in dim " + Twine(d) +
                                            " where X" + Twine(i + 1) + " has " +
                                            Twine(xType.getDimSize(d)));
          checkSizesEqual(rewriter, loc, op, getDimValue(rewriter, loc, ins[j], d),
                          getDimValue(rewriter, loc, ins[0], d),
                          "input " + Twine(2 + j * n + i) + " has size {} in dim " + Twine(d) +
                              " where X" + Twine(i + 1) + " has {}");
        }
      }
      Type elem = xType.getElementType();
      SmallVector<Value> coef;
      for (Value c : coef64)
        coef.push_back(toElementType(rewriter, loc, c, elem));

      SmallVector<Value> inits;
      SmallVector<Type> initTypes;
      for (unsigned j = 0; j + 1 < k; ++j) {
        inits.push_back(createEmptyLike(rewriter, loc, xType, ins[0]));
        initTypes.push_back(xType);
      }
      SmallVector<AffineMap> maps(2 * k - 1, rewriter.getMultiDimIdentityMap(xType.getRank()));
      SmallVector<utils::IteratorType> iters(xType.getRank(), utils::IteratorType::parallel);
      auto generic = linalg::GenericOp::create(
          rewriter, loc, initTypes, ins, inits, maps, iters,
          [&](OpBuilder &b, Location l, ValueRange args) {
            SmallVector<Value> outs = spec.update(b, l, args.take_front(k), coef, op);
            linalg::YieldOp::create(b, l, outs);
          });
      for (unsigned j = 0; j + 1 < k; ++j) {
        unsigned index = j * n + i;
        Value value = generic.getResult(j);
        if (Type declared = getTypeConverter()->convertType(op->getResult(index).getType()))
          value = castWithCheck(rewriter, loc, op, value, declared,
                                "output " + Twine(index));
        results[index] = value;
      }
    }
    rewriter.replaceOp(op, results);
    return success();
  }

private:
  OptimizerSpec spec;
};

// Shorthands for the kernels' element arithmetic (f32 or f64).
Value add(OpBuilder &b, Location l, Value x, Value y) { return arith::AddFOp::create(b, l, x, y); }
Value sub(OpBuilder &b, Location l, Value x, Value y) { return arith::SubFOp::create(b, l, x, y); }
Value mul(OpBuilder &b, Location l, Value x, Value y) { return arith::MulFOp::create(b, l, x, y); }
Value div(OpBuilder &b, Location l, Value x, Value y) { return arith::DivFOp::create(b, l, x, y); }

/// Adagrad: coefficients r = R / (1 + T * decay_factor), norm_coefficient, epsilon.
OptimizerSpec adagrad() {
  OptimizerSpec spec;
  spec.numInputs = 3; // X, G, H
  spec.coefficients = [](OpBuilder &b, Location l, Value r, Value t, Operation *op) {
    Value decay = f64Const(b, l, floatAttrOr(op, "decay_factor", 0.0));
    Value denom = add(b, l, f64Const(b, l, 1.0), mul(b, l, t, decay));
    return Coefficients{div(b, l, r, denom),
                        f64Const(b, l, floatAttrOr(op, "norm_coefficient", 0.0)),
                        f64Const(b, l, floatAttrOr(op, "epsilon", 1e-6))};
  };
  spec.update = [](OpBuilder &b, Location l, ValueRange a, ArrayRef<Value> c, Operation *) {
    // G_reg = norm * X + G; H_new = H + G_reg^2; X_new = X - r * G_reg / (sqrt(H_new) + eps).
    Value g = add(b, l, mul(b, l, c[1], a[0]), a[1]);
    Value h = add(b, l, a[2], mul(b, l, g, g));
    Value hs = add(b, l, math::SqrtOp::create(b, l, h), c[2]);
    Value x = sub(b, l, a[0], div(b, l, mul(b, l, c[0], g), hs));
    return SmallVector<Value>{x, h};
  };
  return spec;
}

/// Adam: coefficients R_adjusted, norm_coefficient, alpha, 1 - alpha, beta, 1 - beta,
/// epsilon, 1 - norm_coefficient_post.
OptimizerSpec adam() {
  OptimizerSpec spec;
  spec.numInputs = 4; // X, G, V, H
  spec.coefficients = [](OpBuilder &b, Location l, Value r, Value t, Operation *op) {
    double alpha = floatAttrOr(op, "alpha", 0.9), beta = floatAttrOr(op, "beta", 0.999);
    // R_adjusted = T > 0 ? R * sqrt(1 - beta^T) / (1 - alpha^T) : R.
    Value one = f64Const(b, l, 1.0);
    Value alphaT = math::PowFOp::create(b, l, f64Const(b, l, alpha), t);
    Value betaT = math::PowFOp::create(b, l, f64Const(b, l, beta), t);
    Value adjusted = div(b, l, mul(b, l, r, math::SqrtOp::create(b, l, sub(b, l, one, betaT))),
                         sub(b, l, one, alphaT));
    Value positive =
        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, t, f64Const(b, l, 0.0));
    Value rAdj = arith::SelectOp::create(b, l, positive, adjusted, r);
    return Coefficients{rAdj,
                        f64Const(b, l, floatAttrOr(op, "norm_coefficient", 0.0)),
                        f64Const(b, l, alpha),
                        f64Const(b, l, 1.0 - alpha),
                        f64Const(b, l, beta),
                        f64Const(b, l, 1.0 - beta),
                        f64Const(b, l, floatAttrOr(op, "epsilon", 1e-6)),
                        f64Const(b, l, 1.0 - floatAttrOr(op, "norm_coefficient_post", 0.0))};
  };
  spec.update = [](OpBuilder &b, Location l, ValueRange a, ArrayRef<Value> c, Operation *) {
    // G_reg = norm * X + G; V_new = alpha V + (1 - alpha) G_reg;
    // H_new = beta H + (1 - beta) G_reg^2; X_new = X - R_adj * V_new / (sqrt(H_new) + eps);
    // X_final = (1 - norm_post) X_new.
    Value g = add(b, l, mul(b, l, c[1], a[0]), a[1]);
    Value v = add(b, l, mul(b, l, c[2], a[2]), mul(b, l, c[3], g));
    Value h = add(b, l, mul(b, l, c[4], a[3]), mul(b, l, c[5], mul(b, l, g, g)));
    Value hs = add(b, l, math::SqrtOp::create(b, l, h), c[6]);
    Value x = sub(b, l, a[0], mul(b, l, c[0], div(b, l, v, hs)));
    return SmallVector<Value>{mul(b, l, c[7], x), v, h};
  };
  return spec;
}

/// Momentum: coefficients R, norm_coefficient, alpha, beta_adjusted = T > 0 ? beta : 1;
/// `nesterov` picks the update of X.
OptimizerSpec momentum() {
  OptimizerSpec spec;
  spec.numInputs = 3; // X, G, V
  spec.coefficients = [](OpBuilder &b, Location l, Value r, Value t, Operation *op) {
    Value positive =
        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, t, f64Const(b, l, 0.0));
    Value beta = arith::SelectOp::create(b, l, positive,
                                         f64Const(b, l, floatAttrOr(op, "beta", 1.0)),
                                         f64Const(b, l, 1.0));
    return Coefficients{r, f64Const(b, l, floatAttrOr(op, "norm_coefficient", 0.0)),
                        f64Const(b, l, floatAttrOr(op, "alpha", 0.0)), beta};
  };
  spec.invalid = [](Operation *op) -> std::string {
    auto mode = op->getAttrOfType<StringAttr>("mode");
    if (!mode || (mode.getValue() != "standard" && mode.getValue() != "nesterov"))
      return "mode must be \"standard\" or \"nesterov\", got \"" +
             (mode ? mode.getValue().str() : std::string()) + "\"";
    return "";
  };
  spec.update = [](OpBuilder &b, Location l, ValueRange a, ArrayRef<Value> c, Operation *op) {
    // G_reg = norm * X + G; V_new = alpha V + beta_adjusted G_reg; then
    // standard: X_new = X - R V_new; nesterov: X_new = X - R (G_reg + alpha V_new).
    Value g = add(b, l, mul(b, l, c[1], a[0]), a[1]);
    Value v = add(b, l, mul(b, l, c[2], a[2]), mul(b, l, c[3], g));
    Value step = v;
    if (op->getAttrOfType<StringAttr>("mode").getValue() == "nesterov")
      step = add(b, l, g, mul(b, l, c[2], v));
    Value x = sub(b, l, a[0], mul(b, l, c[0], step));
    return SmallVector<Value>{x, v};
  };
  return spec;
}

} // namespace

void populateOptimizerPatterns(const OnnxTypeConverter &converter,
                               RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<OptimizerLowering>(converter, ctx, TrainingAdagradOp::getOperationName(),
                                  adagrad());
  patterns.add<OptimizerLowering>(converter, ctx, TrainingAdamOp::getOperationName(), adam());
  patterns.add<OptimizerLowering>(converter, ctx, TrainingMomentumOp::getOperationName(),
                                  momentum());
}

} // namespace kiln::conversion
