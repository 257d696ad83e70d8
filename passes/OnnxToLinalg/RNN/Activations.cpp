//===- Activations.cpp - The activation functions of LSTM, GRU, RNN -------===//

#include "passes/OnnxToLinalg/RNN/Activations.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

struct ActivationInfo {
  bool takesAlpha = false, takesBeta = false;
  // The ONNX operator defaults where the function is an operator of its own; the others
  // (Affine, ScaledTanh) have none, and ThresholdedRelu's (1.0) differs from ONNX
  // Runtime's (0.0), so those must be given.
  std::optional<double> alpha, beta;
};

ActivationInfo infoOf(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::LeakyRelu:
    return {true, false, 0.01, std::nullopt};
  case ActivationKind::ThresholdedRelu:
    return {true, false, std::nullopt, std::nullopt};
  case ActivationKind::ScaledTanh:
  case ActivationKind::Affine:
    return {true, true, std::nullopt, std::nullopt};
  case ActivationKind::HardSigmoid:
    return {true, true, 0.2, 0.5};
  case ActivationKind::Elu:
    return {true, false, 1.0, std::nullopt};
  default:
    return {};
  }
}

std::optional<ActivationKind> parseName(StringRef name) {
  std::string lower = name.lower();
  return llvm::StringSwitch<std::optional<ActivationKind>>(lower)
      .Case("sigmoid", ActivationKind::Sigmoid)
      .Case("tanh", ActivationKind::Tanh)
      .Case("relu", ActivationKind::Relu)
      .Case("leakyrelu", ActivationKind::LeakyRelu)
      .Case("thresholdedrelu", ActivationKind::ThresholdedRelu)
      .Case("scaledtanh", ActivationKind::ScaledTanh)
      .Case("hardsigmoid", ActivationKind::HardSigmoid)
      .Case("elu", ActivationKind::Elu)
      .Case("softsign", ActivationKind::Softsign)
      .Case("softplus", ActivationKind::Softplus)
      .Case("affine", ActivationKind::Affine)
      .Default(std::nullopt);
}

Value constant(OpBuilder &b, Location loc, Value like, double value) {
  return createScalarConstant(b, loc, like.getType(), value);
}

} // namespace

FailureOr<SmallVector<Activation>> parseActivations(Operation *op,
                                                    ArrayRef<ActivationKind> defaults,
                                                    int64_t numDirections, std::string &error) {
  int64_t perDirection = defaults.size();
  SmallVector<ActivationKind> kinds;
  if (auto names = op->getAttrOfType<ArrayAttr>("activations")) {
    for (Attribute attr : names) {
      StringRef name = cast<StringAttr>(attr).getValue();
      std::optional<ActivationKind> kind = parseName(name);
      if (!kind) {
        error = ("activation '" + name + "' is not one of Sigmoid, Tanh, Relu, LeakyRelu, "
                 "ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus, Affine")
                    .str();
        return failure();
      }
      kinds.push_back(*kind);
    }
    if (static_cast<int64_t>(kinds.size()) == perDirection && numDirections == 2)
      kinds.append(SmallVector<ActivationKind>(kinds));
    if (static_cast<int64_t>(kinds.size()) != perDirection * numDirections) {
      error = "activations lists " + std::to_string(names.size()) + " functions; expected " +
              std::to_string(perDirection * numDirections) + " (" +
              std::to_string(perDirection) + " per direction)";
      return failure();
    }
  } else {
    for (int64_t d = 0; d < numDirections; ++d)
      kinds.append(defaults.begin(), defaults.end());
  }
  auto floats = [&](StringRef name) {
    SmallVector<double> values;
    if (auto attr = op->getAttrOfType<DenseF32ArrayAttr>(name))
      for (float v : attr.asArrayRef())
        values.push_back(v);
    return values;
  };
  SmallVector<double> alphas = floats("activation_alpha"), betas = floats("activation_beta");
  size_t nextAlpha = 0, nextBeta = 0;
  SmallVector<Activation> activations;
  for (ActivationKind kind : kinds) {
    ActivationInfo info = infoOf(kind);
    Activation activation{kind};
    auto take = [&](bool takes, SmallVector<double> &values, size_t &next,
                    std::optional<double> fallback, double &out, StringRef what) {
      if (!takes)
        return true;
      if (next < values.size()) {
        out = values[next++];
        return true;
      }
      if (fallback) {
        out = *fallback;
        return true;
      }
      error = ("activation #" + std::to_string(activations.size()) + " needs a value in " +
               what + " and none is left")
                  .str();
      return false;
    };
    if (!take(info.takesAlpha, alphas, nextAlpha, info.alpha, activation.alpha,
              "activation_alpha") ||
        !take(info.takesBeta, betas, nextBeta, info.beta, activation.beta, "activation_beta"))
      return failure();
    activations.push_back(activation);
  }
  return activations;
}

Value applyActivation(OpBuilder &b, Location loc, const Activation &activation, Value x) {
  Value zero = constant(b, loc, x, 0.0), one = constant(b, loc, x, 1.0);
  auto alpha = [&] { return constant(b, loc, x, activation.alpha); };
  auto beta = [&] { return constant(b, loc, x, activation.beta); };
  auto mul = [&](Value l, Value r) { return Value(arith::MulFOp::create(b, loc, l, r)); };
  auto add = [&](Value l, Value r) { return Value(arith::AddFOp::create(b, loc, l, r)); };
  auto select = [&](arith::CmpFPredicate pred, Value l, Value r, Value t, Value f) {
    Value c = arith::CmpFOp::create(b, loc, pred, l, r);
    return Value(arith::SelectOp::create(b, loc, c, t, f));
  };
  switch (activation.kind) {
  case ActivationKind::Sigmoid: {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one, add(one, e));
  }
  case ActivationKind::Tanh:
    return math::TanhOp::create(b, loc, x);
  case ActivationKind::Relu:
    return arith::MaximumFOp::create(b, loc, x, zero);
  case ActivationKind::LeakyRelu:
    return select(arith::CmpFPredicate::OGE, x, zero, x, mul(alpha(), x));
  case ActivationKind::ThresholdedRelu:
    return select(arith::CmpFPredicate::OGT, x, alpha(), x, zero);
  case ActivationKind::ScaledTanh:
    return mul(alpha(), math::TanhOp::create(b, loc, mul(beta(), x)));
  case ActivationKind::HardSigmoid: {
    Value y = add(mul(alpha(), x), beta());
    return arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, y, zero), one);
  }
  case ActivationKind::Elu: {
    Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x), one);
    return select(arith::CmpFPredicate::OGE, x, zero, x, mul(alpha(), em1));
  }
  case ActivationKind::Softsign:
    return arith::DivFOp::create(b, loc, x, add(one, math::AbsFOp::create(b, loc, x)));
  case ActivationKind::Softplus:
    return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
  case ActivationKind::Affine:
    return add(mul(alpha(), x), beta());
  }
  llvm_unreachable("unknown activation");
}

} // namespace kiln::conversion
