//===- WeightQuantization.h - Compile-time int8 weights ----------*- C++ -*-===//
//
// A constant f32 weight quantized to int8, symmetric, one scale per output channel, as
// ONNX Runtime's quantize_dynamic writes it with per_channel = True and weight_type =
// QInt8 (reduce_range = False: Kiln's 8-bit kernels accumulate in i32 without a 16-bit
// intermediate, so the full range is safe):
//
//   scale[c] = max |w[c]| / 127   (1 for a channel of zeros)
//   q[i]     = clamp(round_half_even(w[i] / scale[c(i)]), -127, 127)
//
// The channels are the indices of the dims that are not reduced: a MatMul weight
// [..., K, N] reduces K (one scale per column and batch), a Conv weight [M, C/g, k...]
// reduces everything but M.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_QUANTIZE_WEIGHTQUANTIZATION_H
#define KILN_PASSES_QUANTIZE_WEIGHTQUANTIZATION_H

#include "passes/Folding/Literal.h"

namespace kiln::quantize {

struct QuantizedWeight {
  /// The int8 values (signless i8), of the weight's shape.
  folding::Literal values;
  /// The f32 scales: the weight's shape with the reduced dims set to 1, so that they
  /// broadcast against the weight (and, for a MatMul, against its result).
  folding::Literal scales;
  /// The weight's signal-to-quantization-noise ratio, 10 log10(sum w^2 / sum (w - q s)^2)
  /// in dB; +inf when the quantization is exact (a weight of zeros included).
  double sqnrDb = 0;
};

/// Quantizes the f32 literal `weight`; `reducedDims` lists the dims that share a scale.
QuantizedWeight quantizeWeight(const folding::Literal &weight,
                               llvm::ArrayRef<int64_t> reducedDims);

/// `lit` (any element type) with its last two dims swapped.
folding::Literal transposeLastTwo(const folding::Literal &lit);

} // namespace kiln::quantize

#endif // KILN_PASSES_QUANTIZE_WEIGHTQUANTIZATION_H
