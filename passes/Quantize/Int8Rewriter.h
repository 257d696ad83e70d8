//===- Int8Rewriter.h - Contractions rewritten on 8-bit operands -*- C++ -*-===//
//
// The rewrite the int8 passes share (QuantizeContractions.cpp, ImportQdq.cpp): a MatMul,
// Gemm or Conv with an 8-bit weight and an 8-bit activation becomes
//
//   Y = Cast<f32>(MatMulInteger(Aq, Bq, a_zp)) * (a_scale * b_scale) [+ bias]
//
// (ConvInteger for a Conv), as ONNX Runtime's quantizers write it; the CPU backend runs
// the 8-bit product with VNNI and fuses the Cast, Mul and Add into its epilogue.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_QUANTIZE_INT8REWRITER_H
#define KILN_PASSES_QUANTIZE_INT8REWRITER_H

#include "passes/Folding/Literal.h"
#include "passes/Quantize/StaticQuantization.h"
#include "passes/Quantize/WeightQuantization.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace kiln::quantize {

/// A contraction y = A x W [+ bias] whose constant weight is (to be) 8-bit.
struct Contraction {
  mlir::Operation *op = nullptr;
  mlir::Value a;           ///< the f32 activation
  bool transA = false;     ///< Gemm: A is [K, M]
  folding::Literal weight; ///< f32 [..., K, N] (MatMul; Gemm after transB) or [M, C/g, k...]
  llvm::SmallVector<int64_t> modelShape; ///< the weight's shape in the model (before transB)
  bool conv = false;
  double alpha = 1.0;  ///< Gemm
  mlir::Value bias;    ///< Gemm's C or Conv's B; null when none
  double beta = 1.0;   ///< Gemm
};

/// An 8-bit activation: its values, scale and zero point (scalars).
struct QuantizedActivation {
  mlir::Value values, scale, zeroPoint;
  std::optional<float> constantScale; ///< `scale`'s value when it is a constant
};

class Int8Rewriter {
public:
  explicit Int8Rewriter(mlir::MLIRContext *ctx);

  /// Rewrites `c` with its quantized weight `q` and erases the original op; `range`
  /// (static quantization) fixes the activation's quantization at compile time, else it
  /// is quantized at run time (DynamicQuantizeLinear). Returns the value that replaced the
  /// contraction's result.
  mlir::Value rewrite(Contraction &c, const QuantizedWeight &q,
                      std::optional<ActivationRange> range);

  /// The same with the activation already 8-bit (`a`, as a QDQ model gives it).
  mlir::Value rewriteWith(Contraction &c, const QuantizedWeight &q, const QuantizedActivation &a);

private:
  QuantizedActivation quantizeActivation(mlir::Value a, mlir::Location loc,
                                         std::optional<ActivationRange> range);
  mlir::Value onnx(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name,
                   mlir::ValueRange operands, mlir::Type result,
                   llvm::ArrayRef<mlir::NamedAttribute> attrs = {});

  mlir::Type f32, i32, u8;
  /// One (Dynamic)QuantizeLinear per activation, shared by its quantized contractions.
  llvm::DenseMap<mlir::Value, QuantizedActivation> activations;
};

} // namespace kiln::quantize

#endif // KILN_PASSES_QUANTIZE_INT8REWRITER_H
