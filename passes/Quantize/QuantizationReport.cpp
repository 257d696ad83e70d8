//===- QuantizationReport.cpp - What a quantization pass did ---------------===//

#include "passes/Quantize/QuantizationReport.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <cmath>

using namespace mlir;

namespace kiln::quantize {

DictionaryAttr LayerReport::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  SmallVector<NamedAttribute> entries{
      b.getNamedAttr("node", b.getStringAttr(node)),
      b.getNamedAttr("op", b.getStringAttr(opType)),
      b.getNamedAttr("weight_shape", b.getDenseI64ArrayAttr(weightShape)),
      b.getNamedAttr("quantized", b.getBoolAttr(quantized)),
      b.getNamedAttr("detail", b.getStringAttr(detail))};
  if (quantized)
    entries.push_back(b.getNamedAttr("precision", b.getStringAttr(precision)));
  if (weightSqnrDb)
    entries.push_back(b.getNamedAttr("weight_sqnr_db", b.getF64FloatAttr(*weightSqnrDb)));
  return b.getDictionaryAttr(entries);
}

LayerReport LayerReport::fromAttr(DictionaryAttr attr) {
  LayerReport layer;
  auto str = [&](StringRef key) {
    auto s = attr.getAs<StringAttr>(key);
    return s ? s.getValue().str() : std::string();
  };
  layer.node = str("node");
  layer.opType = str("op");
  layer.detail = str("detail");
  if (std::string precision = str("precision"); !precision.empty())
    layer.precision = precision;
  if (auto shape = attr.getAs<DenseI64ArrayAttr>("weight_shape"))
    layer.weightShape.assign(shape.asArrayRef().begin(), shape.asArrayRef().end());
  if (auto q = attr.getAs<BoolAttr>("quantized"))
    layer.quantized = q.getValue();
  if (auto sqnr = attr.getAs<FloatAttr>("weight_sqnr_db"))
    layer.weightSqnrDb = sqnr.getValueAsDouble();
  return layer;
}

std::vector<LayerReport> readQuantizationReport(ModuleOp module) {
  std::vector<LayerReport> layers;
  if (auto array = module->getAttrOfType<ArrayAttr>(kQuantizationReportAttr))
    for (auto dict : array.getAsRange<DictionaryAttr>())
      layers.push_back(LayerReport::fromAttr(dict));
  return layers;
}

static std::string shapeText(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "-";
  return llvm::join(llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }), "x");
}

static std::string sqnrText(double db) {
  return std::isinf(db) ? "exact" : llvm::formatv("{0:F1} dB", db).str();
}

void printQuantizationTable(raw_ostream &os, ArrayRef<LayerReport> layers, StringRef mode,
                            ArrayRef<OutputAccuracy> outputs) {
  size_t quantized = llvm::count_if(layers, [](const LayerReport &l) { return l.quantized; });
  os << "quantization (" << mode << "): " << quantized << " of " << layers.size()
     << (llvm::any_of(layers, [](const LayerReport &l) { return l.opType == "Gather"; })
             ? " layers (contractions and tables) quantized"
             : " contractions quantized")
     << "; all other ops stay f32\n";
  // The output SQNR column only where it was measured (static quantization).
  bool hasOutputSqnr = llvm::any_of(layers, [](const LayerReport &l) { return l.outputSqnrDb; });
  size_t nodeWidth = 4;
  for (const LayerReport &l : layers)
    nodeWidth = std::max(nodeWidth, std::min<size_t>(l.node.size(), 48));
  os << "  " << llvm::left_justify("node", nodeWidth) << "  " << llvm::left_justify("op", 6)
     << "  " << llvm::left_justify("weights", 14) << "  " << llvm::left_justify("precision", 9)
     << "  weight SQNR  " << (hasOutputSqnr ? "output SQNR  " : "") << "detail\n";
  for (bool wantQuantized : {true, false})
    for (const LayerReport &l : layers) {
      if (l.quantized != wantQuantized)
        continue;
      std::string sqnr = "-", outputSqnr = "-";
      if (l.weightSqnrDb)
        sqnr = sqnrText(*l.weightSqnrDb);
      if (l.outputSqnrDb)
        outputSqnr = sqnrText(*l.outputSqnrDb);
      os << "  " << llvm::left_justify(l.node, nodeWidth) << "  "
         << llvm::left_justify(l.opType, 6) << "  "
         << llvm::left_justify(shapeText(l.weightShape), 14) << "  "
         << llvm::left_justify(l.quantized ? l.precision : "f32", 9) << "  "
         << llvm::left_justify(sqnr, 11) << "  ";
      if (hasOutputSqnr)
        os << llvm::left_justify(outputSqnr, 11) << "  ";
      os << l.detail << "\n";
    }
  for (const OutputAccuracy &o : outputs)
    os << "  model output '" << o.name << "' against f32 on " << o.samples
       << " calibration samples: SQNR " << sqnrText(o.sqnrDb)
       << llvm::formatv(", cosine {0:F6}", o.cosine) << "\n";
}

void writeQuantizationJson(raw_ostream &os, ArrayRef<LayerReport> layers, StringRef mode,
                           ArrayRef<OutputAccuracy> outputs) {
  llvm::json::Array array;
  for (const LayerReport &l : layers) {
    llvm::json::Object entry{{"node", l.node},
                             {"op", l.opType},
                             {"weight_shape", llvm::json::Array(l.weightShape)},
                             {"quantized", l.quantized},
                             {"precision", l.quantized ? l.precision : "f32"},
                             {"detail", l.detail}};
    auto db = [](double v) {
      return std::isinf(v) ? llvm::json::Value(nullptr) : llvm::json::Value(v);
    };
    if (l.weightSqnrDb)
      entry["weight_sqnr_db"] = db(*l.weightSqnrDb);
    if (l.outputSqnrDb)
      entry["output_sqnr_db"] = db(*l.outputSqnrDb);
    array.push_back(std::move(entry));
  }
  llvm::json::Object root{
      {"mode", mode},
      {"sqnr_note", "weight_sqnr_db: the SQNR of each quantized weight against its f32 "
                    "values (dynamic mode has no calibration data for an output SQNR); "
                    "null when exact"},
      {"layers", std::move(array)}};
  if (!outputs.empty()) {
    llvm::json::Array accuracy;
    for (const OutputAccuracy &o : outputs)
      accuracy.push_back(llvm::json::Object{
          {"name", o.name},
          {"output", static_cast<int64_t>(o.output)},
          {"samples", static_cast<int64_t>(o.samples)},
          {"sqnr_db", std::isinf(o.sqnrDb) ? llvm::json::Value(nullptr) : llvm::json::Value(o.sqnrDb)},
          {"cosine", o.cosine}});
    root["outputs"] = std::move(accuracy);
    root["sqnr_note"] = "weight_sqnr_db: each quantized weight against its f32 values; "
                        "output_sqnr_db: each quantized layer's output against its f32 output "
                        "over the calibration samples (the layers before it quantized too); "
                        "outputs: each model output against the f32 model's over the "
                        "calibration samples; null when exact";
  }
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}

} // namespace kiln::quantize
