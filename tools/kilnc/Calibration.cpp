//===- Calibration.cpp - Activation ranges from calibration data ----------===//

#include "tools/kilnc/Calibration.h"

#include "host_tensor.h" // runtime/tools-support: readNpy
#include "kiln/runtime.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

using namespace llvm;

namespace kiln {
namespace {

constexpr int kBins = 2048;
constexpr double kPercentile = 99.99;

struct ModelDeleter {
  void operator()(kiln_model *m) const { kiln_model_release(m); }
};
struct SessionDeleter {
  void operator()(kiln_session *s) const { kiln_session_release(s); }
};
struct TensorDeleter {
  void operator()(kiln_tensor *t) const { kiln_tensor_release(t); }
};
using TensorPtr = std::unique_ptr<kiln_tensor, TensorDeleter>;

/// False with the status's message in `error` (and frees it); true for NULL.
bool ok(kiln_status *status, std::string &error) {
  if (!status)
    return true;
  error = kiln_status_message(status);
  kiln_status_free(status);
  return false;
}

/// An ONNX value name as a file name ('/' and ':' become '_'), as kiln-run writes them.
std::string fileNameFor(StringRef name) {
  std::string s = name.str();
  std::replace(s.begin(), s.end(), '/', '_');
  std::replace(s.begin(), s.end(), ':', '_');
  return s;
}

std::string dimsText(ArrayRef<int64_t> dims) {
  return "[" +
         join(map_range(dims, [](int64_t d) { return d < 0 ? "?" : std::to_string(d); }), ",") +
         "]";
}

/// A loaded model library with one session.
class Runner {
public:
  bool load(const std::string &library, std::string &error) {
    kiln_model *model = nullptr;
    if (!ok(kiln_model_load(library.c_str(), nullptr, &model), error))
      return false;
    this->model.reset(model);
    kiln_session *session = nullptr;
    if (!ok(kiln_session_create(model, nullptr, &session), error))
      return false;
    this->session.reset(session);
    for (size_t i = 0, e = kiln_model_num_inputs(model); i < e; ++i) {
      kiln_tensor_info info;
      if (!ok(kiln_model_input_info(model, i, &info), error))
        return false;
      inputs.push_back(info);
    }
    for (size_t i = 0, e = kiln_model_num_outputs(model); i < e; ++i) {
      kiln_tensor_info info;
      if (!ok(kiln_model_output_info(model, i, &info), error))
        return false;
      outputs.push_back(info);
    }
    return true;
  }

  /// Runs the sample in folder `dir` (named `sample` in errors).
  bool run(const std::string &dir, std::vector<TensorPtr> &results, std::string &error) {
    std::string sample = sys::path::filename(dir).str();
    auto fail = [&](const Twine &message) {
      error = ("calibration sample '" + sample + "': " + message).str();
      return false;
    };
    StringSet<> expected;
    std::vector<std::string> names;
    for (const kiln_tensor_info &info : inputs) {
      expected.insert(fileNameFor(info.name) + ".npy");
      names.push_back(info.name);
    }
    std::error_code ec;
    for (sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
      StringRef file = sys::path::filename(it->path());
      if (file.ends_with(".npy") && !expected.contains(file))
        return fail("'" + file +
                    "' names no model input (the model's inputs: " + join(names, ", ") + ")");
    }
    std::vector<tools::HostTensor> data(inputs.size());
    std::vector<TensorPtr> tensors;
    for (auto [i, info] : llvm::enumerate(inputs)) {
      std::string file = fileNameFor(info.name) + ".npy";
      SmallString<256> path(dir);
      sys::path::append(path, file);
      if (!sys::fs::exists(path)) {
        if (kiln_model_input_is_optional(model.get(), i)) { // left absent
          tensors.emplace_back(nullptr);
          continue;
        }
        return fail("no '" + file + "' for the model input '" + info.name + "'");
      }
      if (std::string why = tools::readNpy(std::string(path), data[i]); !why.empty())
        return fail("'" + file + "': " + why);
      const tools::HostTensor &t = data[i];
      ArrayRef<int64_t> want(info.dims, info.rank);
      if (t.dtype != info.dtype)
        return fail("'" + file + "' holds " + kiln_dtype_name(t.dtype) + ", the input '" +
                    info.name + "' takes " + kiln_dtype_name(info.dtype));
      bool shapeOk = static_cast<int32_t>(t.dims.size()) == info.rank;
      for (size_t d = 0; shapeOk && d < t.dims.size(); ++d)
        shapeOk = want[d] < 0 || want[d] == t.dims[d];
      if (!shapeOk)
        return fail("'" + file + "' has shape " + dimsText(t.dims) + ", the input '" + info.name +
                    "' takes " + dimsText(want));
      kiln_tensor *tensor = nullptr;
      if (!ok(kiln_tensor_wrap(t.dtype, info.rank, t.dims.data(),
                               const_cast<uint8_t *>(t.data.data()), t.data.size(), &tensor),
              error))
        return fail(error);
      tensors.emplace_back(tensor);
    }
    std::vector<const kiln_tensor *> in;
    for (const TensorPtr &t : tensors)
      in.push_back(t.get());
    std::vector<kiln_tensor *> out(outputs.size(), nullptr);
    if (!ok(kiln_session_run(session.get(), in.data(), in.size(), out.data(), out.size()), error))
      return fail("the run failed: " + error);
    results.clear();
    for (kiln_tensor *t : out)
      results.emplace_back(t);
    return true;
  }

  std::vector<kiln_tensor_info> inputs, outputs;

private:
  std::unique_ptr<kiln_model, ModelDeleter> model;
  std::unique_ptr<kiln_session, SessionDeleter> session;
};

ArrayRef<float> floatsOf(const kiln_tensor *t) {
  if (!t || kiln_tensor_dtype(t) != 1)
    return {};
  return ArrayRef<float>(static_cast<const float *>(kiln_tensor_data(t)),
                         kiln_tensor_num_elements(t));
}

/// What one activation tensor took on the calibration data.
struct Stats {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::vector<double> histogram; ///< kBins bins: over [min, max], or over [0, max |x|]
};

void addToHistogram(Stats &s, ArrayRef<float> values, bool absolute) {
  if (s.histogram.empty())
    s.histogram.assign(kBins, 0);
  double lo = absolute ? 0 : s.min;
  double hi = absolute ? std::max(-s.min, s.max) : s.max;
  double width = (hi - lo) / kBins;
  for (float v : values) {
    if (absolute && v == 0) // exact at any threshold (the zero point): not weighed
      continue;
    double x = absolute ? std::fabs(v) : v;
    int bin = width > 0 ? static_cast<int>((x - lo) / width) : 0;
    s.histogram[std::clamp(bin, 0, kBins - 1)] += 1;
  }
}

/// The range between the (100 - p) / 2 and (100 + p) / 2 percentiles.
quantize::ActivationRange percentileRange(const Stats &s) {
  double total = 0;
  for (double c : s.histogram)
    total += c;
  double cut = (100.0 - kPercentile) / 200.0, width = (s.max - s.min) / kBins, cdf = 0;
  int left = -1, right = kBins - 1;
  for (int i = 0; i < kBins; ++i) {
    cdf += s.histogram[i] / total;
    if (left < 0 && cdf >= cut)
      left = i;
    if (cdf >= 1.0 - cut) {
      right = i;
      break;
    }
  }
  return {s.min + std::max(left, 0) * width, s.min + (right + 1) * width};
}

/// KL(p || q) of two unnormalized distributions; q smoothed where it is 0 and p is not.
double klDivergence(ArrayRef<double> p, ArrayRef<double> q) {
  double sp = 0, sq = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    sp += p[i];
    sq += q[i];
  }
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0)
      continue;
    double pi = p[i] / sp, qi = q[i] > 0 ? q[i] / sq : 1e-4 / sq;
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

/// TensorRT's entropy calibration on the histogram of |x| (Calibration.h).
quantize::ActivationRange entropyRange(const Stats &s) {
  int levels = s.min < 0 && s.max > 0 ? 128 : 256;
  double absMax = std::max(-s.min, s.max), width = absMax / kBins;
  const std::vector<double> &h = s.histogram;
  int best = kBins;
  double bestKl = std::numeric_limits<double>::infinity();
  std::vector<double> beyond(kBins + 1, 0), p, q; // beyond[i]: the count in bins >= i
  for (int i = kBins - 1; i >= 0; --i)
    beyond[i] = beyond[i + 1] + h[i];
  for (int i = levels; i <= kBins; ++i) {
    // The reference: the first i bins, the values beyond them clipped into the last.
    p.assign(h.begin(), h.begin() + i);
    p[i - 1] += beyond[i];
    // The candidate: the first i bins merged into `levels` and spread back over the
    // bins that held values.
    q.assign(i, 0);
    for (int l = 0; l < levels; ++l) {
      int start = static_cast<int>(int64_t(l) * i / levels);
      int end = static_cast<int>(int64_t(l + 1) * i / levels);
      double sum = 0;
      int nonzero = 0;
      for (int j = start; j < end; ++j) {
        sum += h[j];
        nonzero += h[j] != 0;
      }
      for (int j = start; j < end; ++j)
        if (h[j] != 0)
          q[j] = sum / nonzero;
    }
    double kl = klDivergence(p, q);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  double threshold = best * width;
  return {std::max(s.min, -threshold), std::min(s.max, threshold)};
}

/// Sums over the samples of one output compared with its f32 reference.
struct Comparison {
  double signal = 0, noise = 0, dot = 0, normQ = 0;
  size_t samples = 0;
  bool comparable = true;

  void add(ArrayRef<float> ref, ArrayRef<float> q) {
    if (ref.size() != q.size() || ref.empty()) {
      comparable = false;
      return;
    }
    for (size_t i = 0; i < ref.size(); ++i) {
      double r = ref[i], v = q[i];
      signal += r * r;
      noise += (r - v) * (r - v);
      dot += r * v;
      normQ += v * v;
    }
    ++samples;
  }
  double sqnrDb() const { return 10 * std::log10(signal / noise); }
  double cosine() const { return signal > 0 && normQ > 0 ? dot / std::sqrt(signal * normQ) : 1.0; }
};

} // namespace

bool listCalibrationSamples(const std::string &dir, std::vector<std::string> &samples,
                            std::string &error) {
  std::string layout = " (it should hold one sub-folder per sample, each with one "
                       "<input name>.npy per model input)";
  if (!sys::fs::is_directory(dir)) {
    error = "--calibration-data: '" + dir + "' is not a folder" + layout;
    return false;
  }
  std::error_code ec;
  for (sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    if (sys::fs::is_directory(it->path()))
      samples.push_back(it->path());
  if (ec) {
    error = "--calibration-data: '" + dir + "': " + ec.message();
    return false;
  }
  if (samples.empty()) {
    error = "--calibration-data: '" + dir + "' has no sample folders" + layout;
    return false;
  }
  llvm::sort(samples);
  return true;
}

bool calibrate(const std::string &library, const std::vector<std::string> &samples,
               const std::vector<std::vector<std::string>> &keys, CalibrationMethod method,
               quantize::ActivationRanges &ranges, std::string &error) {
  Runner runner;
  if (!runner.load(library, error)) {
    error = "the calibration model: " + error;
    return false;
  }
  // The output of each activation k.
  std::vector<int> outputOf(keys.size(), -1);
  for (auto [i, info] : llvm::enumerate(runner.outputs)) {
    StringRef name(info.name);
    unsigned k;
    if (name.consume_front(quantize::kCalibrationOutputPrefix) && !name.getAsInteger(10, k) &&
        k < keys.size())
      outputOf[k] = i;
  }
  if (llvm::is_contained(outputOf, -1)) {
    error = "the calibration model lacks an activation output";
    return false;
  }
  std::vector<Stats> stats(keys.size());
  std::vector<TensorPtr> results;
  for (const std::string &sample : samples) {
    if (!runner.run(sample, results, error))
      return false;
    for (auto [k, s] : llvm::enumerate(stats))
      for (float v : floatsOf(results[outputOf[k]].get())) {
        s.min = std::min<double>(s.min, v);
        s.max = std::max<double>(s.max, v);
      }
  }
  if (method != CalibrationMethod::MinMax) // the histograms over the ranges now known
    for (const std::string &sample : samples) {
      if (!runner.run(sample, results, error))
        return false;
      for (auto [k, s] : llvm::enumerate(stats))
        addToHistogram(s, floatsOf(results[outputOf[k]].get()),
                       method == CalibrationMethod::Entropy);
    }
  for (auto [k, s] : llvm::enumerate(stats)) {
    if (!(s.min <= s.max)) // no values (an empty tensor) or NaN: stays f32
      continue;
    quantize::ActivationRange range{s.min, s.max};
    if (method == CalibrationMethod::Percentile)
      range = percentileRange(s);
    else if (method == CalibrationMethod::Entropy)
      range = entropyRange(s);
    for (const std::string &key : keys[k])
      ranges[key] = range;
  }
  return true;
}

bool compareOnSamples(const std::string &reference, const std::string &quantized,
                      const std::vector<std::string> &samples, Accuracy &accuracy,
                      std::string &error) {
  Runner f32, q;
  if (!f32.load(reference, error) || !q.load(quantized, error))
    return false;
  // The outputs of the same name: reference index -> quantized index.
  std::vector<std::pair<size_t, size_t>> pairs;
  for (auto [i, info] : llvm::enumerate(f32.outputs))
    for (auto [j, other] : llvm::enumerate(q.outputs))
      if (StringRef(info.name) == other.name && info.dtype == 1 && other.dtype == 1)
        pairs.push_back({i, j});
  std::vector<Comparison> sums(pairs.size());
  std::vector<TensorPtr> ref, got;
  for (const std::string &sample : samples) {
    if (!f32.run(sample, ref, error) || !q.run(sample, got, error))
      return false;
    for (auto [p, pair] : llvm::enumerate(pairs))
      sums[p].add(floatsOf(ref[pair.first].get()), floatsOf(got[pair.second].get()));
  }
  for (auto [p, pair] : llvm::enumerate(pairs)) {
    StringRef name(f32.outputs[pair.first].name);
    const Comparison &c = sums[p];
    if (name.consume_front(quantize::kLayerOutputPrefix)) {
      if (c.comparable)
        accuracy.layerSqnrDb[name.str()] = c.sqnrDb();
      continue;
    }
    if (name.starts_with("kiln."))
      continue;
    if (c.comparable) // model outputs come first: the index is the model's
      accuracy.outputs.push_back({name.str(), pair.first, c.samples, c.sqnrDb(), c.cosine()});
  }
  return true;
}

} // namespace kiln
