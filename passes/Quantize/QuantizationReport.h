//===- QuantizationReport.h - What a quantization pass did -------*- C++ -*-===//
//
// kiln-quantize-dynamic records, for each contraction it considered (MatMul, Gemm,
// Conv), whether it was quantized and why not, in the module attribute
// `kiln.quantization` (an array of dictionaries, one per node, in program order).
// The hosts read it back after compiling: kilnc prints it as a table on stderr and
// writes it as JSON with --quantize-report=FILE.json.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_QUANTIZE_QUANTIZATIONREPORT_H
#define KILN_PASSES_QUANTIZE_QUANTIZATIONREPORT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::quantize {

inline constexpr llvm::StringLiteral kQuantizationReportAttr = "kiln.quantization";

/// One contraction node the quantization considered.
struct LayerReport {
  std::string node;                  ///< the ONNX node name(s), comma-separated when fused
  std::string opType;                ///< the ONNX op type (MatMul, Gemm, Conv)
  std::vector<int64_t> weightShape;  ///< empty when the weight is not a constant
  bool quantized = false;
  /// Quantized: the weight's storage (int8, int4).
  std::string precision = "int8";
  /// Quantized: the scheme; kept in f32: why.
  std::string detail;
  /// Quantized: the weight's signal-to-quantization-noise ratio in dB (+inf: exact).
  std::optional<double> weightSqnrDb;
  /// Static quantization: the SQNR of the layer's quantized output against its f32 output
  /// on the calibration data (kilnc fills it in; not kept in the module attribute).
  std::optional<double> outputSqnrDb;

  mlir::DictionaryAttr toAttr(mlir::MLIRContext *ctx) const;
  static LayerReport fromAttr(mlir::DictionaryAttr attr);
};

/// A model output of the quantized model against the f32 model's on the calibration
/// samples (static quantization).
struct OutputAccuracy {
  std::string name;   ///< the model output's name
  size_t output = 0;  ///< the model output's index
  size_t samples = 0; ///< how many samples were compared
  double sqnrDb = 0;  ///< 10 log10(sum ref^2 / sum (ref - q)^2) over all samples; +inf: exact
  double cosine = 1;  ///< of the outputs of all samples as one vector
};

/// The report kiln-quantize-dynamic left on `module` (empty when it did not run).
std::vector<LayerReport> readQuantizationReport(mlir::ModuleOp module);

/// A readable table: one line per node, quantized ones first; then a line per entry of
/// `outputs`.
void printQuantizationTable(llvm::raw_ostream &os, llvm::ArrayRef<LayerReport> layers,
                            llvm::StringRef mode, llvm::ArrayRef<OutputAccuracy> outputs = {});

/// The report as JSON: {"mode": ..., "layers": [{"node", "op", "weight_shape",
/// "quantized", "precision", "detail", "weight_sqnr_db", "output_sqnr_db" (when measured)}]}, and with
/// `outputs` "outputs":
/// [{"output", "samples", "sqnr_db", "cosine"}]; an exact SQNR is null.
void writeQuantizationJson(llvm::raw_ostream &os, llvm::ArrayRef<LayerReport> layers,
                           llvm::StringRef mode, llvm::ArrayRef<OutputAccuracy> outputs = {});

} // namespace kiln::quantize

#endif // KILN_PASSES_QUANTIZE_QUANTIZATIONREPORT_H
