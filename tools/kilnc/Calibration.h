//===- Calibration.h - Activation ranges from calibration data --*- C++ -*-===//
//
// kilnc --quantize=int8 compiles a calibration variant of the model (its f32
// activations as extra outputs, kiln-add-calibration-outputs), runs it here through
// libkiln_runtime on every sample of --calibration-data and derives each activation's
// range, which kiln-quantize-static then uses. DIR holds one sub-folder per sample,
// each with one <input name>.npy per model input ('/' and ':' in a name read as '_'; an
// optional input without a file is left absent).
//
// Methods (for each activation tensor, over all samples):
//   minmax      the smallest and largest value;
//   percentile  the values between the (100 - p) / 2 and (100 + p) / 2 percentiles
//               (p = 99.99) of a 2048-bin histogram over [min, max], as ONNX Runtime's
//               asymmetric percentile calibrator;
//   entropy     TensorRT's KL-divergence threshold T on a 2048-bin histogram of |x|
//               (the reference distribution is clipped at T, the candidate quantizes it
//               into the levels on that side: 128 for data of both signs, 256 for data
//               of one), then [max(min, -T), min(max, T)]. Exact zeros (a ReLU's) are
//               left out of the histogram: the zero point represents them at any T, and
//               their spike would pull T far down.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILNC_CALIBRATION_H
#define KILN_TOOLS_KILNC_CALIBRATION_H

#include "passes/Quantize/QuantizationReport.h"
#include "passes/Quantize/StaticQuantization.h"

#include <map>

#include <string>
#include <vector>

namespace kiln {

enum class CalibrationMethod { MinMax, Percentile, Entropy };

/// The sample folders of `dir`, sorted by name; false (with `error`) when `dir` is not
/// a folder or has no sub-folder.
bool listCalibrationSamples(const std::string &dir, std::vector<std::string> &samples,
                            std::string &error);

/// Runs the model library `library` on every sample. Its outputs named
/// "kiln.calibration.<k>" are the activations whose readers `keys[k]` lists (node keys);
/// their ranges by `method` go into `ranges`. False (with `error`, which names the sample
/// and file) on bad data or a failed run.
bool calibrate(const std::string &library, const std::vector<std::string> &samples,
               const std::vector<std::vector<std::string>> &keys, CalibrationMethod method,
               quantize::ActivationRanges &ranges, std::string &error);

/// The quantized model against the f32 one over the calibration samples.
struct Accuracy {
  /// By node key: the SQNR in dB of the layer's output ("kiln.layer:<key>" in both).
  std::map<std::string, double> layerSqnrDb;
  /// Each f32 model output (not "kiln." ones), in order.
  std::vector<quantize::OutputAccuracy> outputs;
};

/// Runs the f32 library `reference` and the quantized `quantized` side by side on every
/// sample and compares their outputs of the same name (f32 ones).
bool compareOnSamples(const std::string &reference, const std::string &quantized,
                      const std::vector<std::string> &samples, Accuracy &accuracy,
                      std::string &error);

} // namespace kiln

#endif // KILN_TOOLS_KILNC_CALIBRATION_H
