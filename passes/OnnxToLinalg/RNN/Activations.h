//===- Activations.h - The activation functions of LSTM, GRU, RNN -*- C++ -*-===//
//
// The `activations` attribute of the recurrent ops names one function per gate role and
// direction (f, g, h for LSTM; f, g for GRU; f for RNN), some of them taking a scalar
// alpha and/or beta from `activation_alpha` / `activation_beta`. As in ONNX Runtime, a
// function consumes the next alpha (beta) only if it takes one.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_RNN_ACTIVATIONS_H
#define KILN_PASSES_ONNXTOLINALG_RNN_ACTIVATIONS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

#include <string>

namespace kiln::conversion {

enum class ActivationKind {
  Sigmoid,
  Tanh,
  Relu,
  LeakyRelu,
  ThresholdedRelu,
  ScaledTanh,
  HardSigmoid,
  Elu,
  Softsign,
  Softplus,
  Affine,
};

/// One activation function with its parameters.
struct Activation {
  ActivationKind kind = ActivationKind::Tanh;
  double alpha = 0.0;
  double beta = 0.0;
};

/// Reads `op`'s activations for `numDirections` directions, `defaults` being the ONNX
/// defaults of one direction. A list of one direction's length is used for both
/// directions. Returns failure with `error` set when a name is unknown, the list has
/// the wrong length, or a function that needs an alpha or beta without an ONNX default
/// (Affine, ScaledTanh, ThresholdedRelu) finds none left.
llvm::FailureOr<llvm::SmallVector<Activation>>
parseActivations(mlir::Operation *op, llvm::ArrayRef<ActivationKind> defaults,
                 int64_t numDirections, std::string &error);

/// Emits `activation(x)` for a float scalar `x`.
mlir::Value applyActivation(mlir::OpBuilder &b, mlir::Location loc, const Activation &activation,
                            mlir::Value x);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_RNN_ACTIVATIONS_H
