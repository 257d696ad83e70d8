//===- Measurement.cpp - One batch size measured --------------------------===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "Measurement.h"

#include "model_io.h"

#include "kiln/model_abi.h"

#include <filesystem>
#include <memory>
#include <sys/resource.h>
#include <unistd.h>

using namespace kiln::bench;
using namespace kiln::tools;

namespace {
uint64_t peakResidentBytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024; // Linux counts KiB
}

void makeDir(const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw ToolError("--save-outputs: cannot create '" + dir + "': " + ec.message());
}

/// A model input or output as run: `data` and, for a sequence, its shape table
/// `shapes`; `data` NULL for an absent input.
ValueInfo describe(const kiln_tensor_info &info, int32_t kind, const kiln_tensor *data,
                   const kiln_tensor *shapes) {
  ValueInfo v;
  v.name = info.name;
  v.dtype = info.dtype;
  v.absent = !data;
  v.sequence = kind == KILN_MODEL_VALUE_SEQUENCE_DATA;
  const kiln_tensor *t = v.sequence ? shapes : data; // a sequence's dims: its length
  if (t)
    v.dims.assign(kiln_tensor_dims(t),
                  kiln_tensor_dims(t) + (v.sequence ? 1 : kiln_tensor_rank(t)));
  return v;
}

/// Writes each of `values` into `dir` (value k is tensors[indices[k]], a sequence's
/// shape table the tensor after it) and records its file in it.
void saveValues(const std::vector<kiln_tensor *> &tensors, std::vector<ValueInfo> &values,
                const std::vector<size_t> &indices, const std::string &dir) {
  makeDir(dir);
  for (size_t k = 0; k < values.size(); ++k) {
    ValueInfo &v = values[k];
    if (v.absent)
      continue;
    const kiln_tensor *t = tensors[indices[k]];
    if (v.sequence) {
      v.file = dir + "/" + fileNameFor(v.name.c_str()) + ".seq";
      writeSequenceNpy(v.file, unpackSequence(t, tensors[indices[k] + 1]));
    } else {
      v.file = dir + "/" + fileNameFor(v.name.c_str()) + ".npy";
      writeTensorNpy(v.file, t);
    }
  }
}

/// Saves the inputs, then runs once more and saves the outputs.
void save(kiln_session *session, const std::vector<TensorPtr> &inputs, Measurement &m,
          const std::string &dir) {
  kiln_model *model = kiln_session_model(session);
  std::vector<kiln_tensor *> in;
  std::vector<size_t> inIndex;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in.push_back(inputs[i].get());
    if (kiln_model_input_kind(model, i) != KILN_MODEL_VALUE_SEQUENCE_SHAPES)
      inIndex.push_back(i);
  }
  saveValues(in, m.inputs, inIndex, dir + "/inputs"); // m.inputs lists them in this order

  size_t numOutputs = kiln_model_num_outputs(model);
  std::vector<kiln_tensor *> out(numOutputs, nullptr);
  check(kiln_session_run(session, in.data(), in.size(), out.data(), numOutputs));
  std::vector<TensorPtr> owners;
  for (kiln_tensor *t : out)
    owners.emplace_back(t);
  std::vector<size_t> outIndex;
  for (size_t o = 0; o < numOutputs; ++o) {
    int32_t kind = kiln_model_output_kind(model, o);
    if (kind == KILN_MODEL_VALUE_SEQUENCE_SHAPES)
      continue;
    kiln_tensor_info info;
    check(kiln_model_output_info(model, o, &info));
    m.outputs.push_back(describe(info, kind, out[o], o + 1 < numOutputs ? out[o + 1] : nullptr));
    outIndex.push_back(o);
  }
  saveValues(out, m.outputs, outIndex, dir + "/outputs");
  m.savedDir = dir;
}
} // namespace

Measurement kiln::bench::measure(kiln_model *model, const BenchOptions &o, int64_t batch,
                                 const std::string &saveDir, const std::atomic<bool> *cancel) {
  Measurement m;
  m.batch = batch;
  InputSpec spec;
  spec.files = o.inputs;
  spec.absent = o.absent;
  spec.random = true;
  spec.batch = batch;
  for (const auto &[name, dims] : o.shapes) {
    std::vector<int64_t> &resolved = spec.shapes[name];
    for (int64_t d : dims)
      resolved.push_back(d == kBatchDim ? batch : d);
  }
  std::vector<TensorPtr> inputs = buildInputs(model, spec);
  for (size_t i = 0; i < inputs.size(); ++i) {
    int32_t kind = kiln_model_input_kind(model, i);
    if (kind == KILN_MODEL_VALUE_SEQUENCE_SHAPES)
      continue; // with its data
    kiln_tensor_info info;
    check(kiln_model_input_info(model, i, &info));
    m.inputs.push_back(describe(info, kind, inputs[i].get(),
                                i + 1 < inputs.size() ? inputs[i + 1].get() : nullptr));
  }
  for (size_t i = 0; i < m.inputs.size(); ++i)
    if (!m.inputs[i].sequence && !m.inputs[i].absent && !m.inputs[i].dims.empty()) {
      m.samplesPerRun = m.inputs[i].dims[0];
      break;
    }

  kiln_session_options sessionOptions;
  kiln_session_options_initialize(&sessionOptions);
  sessionOptions.num_threads = o.threads;
  kiln_session *rawSession = nullptr;
  check(kiln_session_create(model, &sessionOptions, &rawSession));
  std::unique_ptr<kiln_session, void (*)(kiln_session *)> session(rawSession, kiln_session_release);
  m.threads = kiln_session_num_threads(session.get());

  std::vector<const kiln_tensor *> in;
  for (const TensorPtr &t : inputs)
    in.push_back(t.get());
  RunPlan plan;
  plan.warmup = o.warmup;
  plan.iterations = o.iterations;
  plan.seconds = o.seconds;
  plan.concurrency = o.concurrency;
  plan.progress = o.progress && isatty(STDERR_FILENO);
  plan.label = "batch " + std::to_string(batch);
  plan.cancel = cancel;
  std::unique_ptr<kiln_batcher, void (*)(kiln_batcher *)> batcher(nullptr, kiln_batcher_release);
  if (o.batcherMax > 0) {
    kiln_batcher_options options;
    kiln_batcher_options_initialize(&options);
    options.max_batch = o.batcherMax;
    options.timeout_us = o.batcherTimeoutUs;
    options.queue_capacity = std::max<int64_t>(1024, 4 * o.concurrency);
    kiln_batcher *raw = nullptr;
    check(kiln_batcher_create(session.get(), &options, &raw));
    batcher.reset(raw);
    plan.batcher = raw;
    plan.label = "requests of batch " + std::to_string(batch);
  }
  m.timing = timeRuns(session.get(), in, plan);
  if (batcher) {
    kiln_batcher_stats stats{};
    stats.struct_size = sizeof stats;
    check(kiln_batcher_get_stats(batcher.get(), &stats));
    m.viaBatcher = true;
    m.meanBatch = stats.batches ? static_cast<double>(stats.batched_rows) / stats.batches : 0;
    batcher.reset();
  }
  m.latency = summarize(m.timing.latenciesMs);
  m.histogram = histogram(m.timing.latenciesMs, 30);
  double runs = static_cast<double>(m.timing.latenciesMs.size());
  m.runsPerSecond = m.timing.wallSeconds > 0 ? runs / m.timing.wallSeconds : 0;
  m.samplesPerSecond = m.runsPerSecond * static_cast<double>(m.samplesPerRun);
  m.arenaBytes = kiln_session_arena_bytes(session.get());
  m.peakRssBytes = peakResidentBytes();
  if (!saveDir.empty())
    save(session.get(), inputs, m, saveDir);
  return m;
}

std::pair<Measurement, Measurement>
kiln::bench::measureBatcher(kiln_model *model, const BenchOptions &options,
                            const std::atomic<bool> *cancel) {
  Measurement online = measure(model, options, options.batch, "", cancel);
  BenchOptions offline = options;
  offline.batcherMax = 0;
  offline.concurrency = 1;
  offline.warmup = std::min<int64_t>(options.warmup, 5);
  return {online, measure(model, offline, options.batcherMax, "", cancel)};
}
