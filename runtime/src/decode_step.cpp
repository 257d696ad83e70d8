//===- decode_step.cpp - One batched call of a decoder ----------*- C++ -*-===//
//
// Part of Kiln. Builds the inputs of one call over requests of different lengths by
// left-padding: with P the longest past among the rows and S new tokens each, row r's
// cache goes to positions [P - len_r, P) of each past input (zeros before), its mask is
// 0 on [0, P - len_r) and 1 on [P - len_r, P + S), its position ids are len_r .. len_r
// + S - 1. After the run, row r keeps positions [P - len_r, P + S) of each present
// output and the argmax of its last position's logits. Nothing of a row changes unless
// the whole call succeeded.
//
//===----------------------------------------------------------------------===//

#include "generator.h"
#include "model.h"
#include "session.h"
#include "status.h"
#include "tensor.h"

#include <algorithm>
#include <cstring>

using namespace kiln::runtime;

namespace {

struct Tensors {
  std::vector<kiln_tensor *> list;
  explicit Tensors(size_t n) : list(n, nullptr) {}
  ~Tensors() {
    for (kiln_tensor *t : list)
      kiln_tensor_release(t);
  }
};

void store(kiln_tensor *t, int64_t index, int64_t value) {
  void *d = t->data;
  switch (t->dtype) {
  case 7:
    static_cast<int64_t *>(d)[index] = value;
    break;
  case 6:
    static_cast<int32_t *>(d)[index] = static_cast<int32_t>(value);
    break;
  default: // float32 (attention mask only: resolveDecoder)
    static_cast<float *>(d)[index] = static_cast<float>(value);
    break;
  }
}

/// The first index of the largest value (NaNs never win).
int64_t argmax(const float *v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best] || (v[best] != v[best] && v[i] == v[i]))
      best = i;
  return best;
}

} // namespace

kiln_status *kiln::runtime::runStep(kiln_session &session, const DecoderSpec &spec,
                                    const std::vector<GenRequest *> &rows, uint64_t &padded) {
  const kiln_model &m = *session.model;
  const int64_t batch = static_cast<int64_t>(rows.size());
  const bool prefill = rows.front()->length == 0;
  const int64_t seq = prefill ? static_cast<int64_t>(rows.front()->prompt.size()) : 1;
  int64_t past = 0;
  for (const GenRequest *r : rows)
    past = std::max(past, r->length);
  const int64_t total = past + seq;

  Tensors ins(m.inputs.size());
  const kiln_allocator &alloc = session.allocator;
  auto create = [&](size_t input, std::vector<int64_t> dims) {
    return createTensor(m.inputs[input].dtype, static_cast<int32_t>(dims.size()), dims.data(),
                        alloc, &ins.list[input]);
  };
  if (kiln_status *st = create(spec.ids, {batch, seq}))
    return st;
  if (kiln_status *st = create(spec.mask, {batch, total}))
    return st;
  if (kiln_status *st = create(spec.positions, {batch, seq}))
    return st;
  uint64_t pads = 0;
  for (int64_t r = 0; r < batch; ++r) {
    const GenRequest &q = *rows[r];
    const int64_t pad = past - q.length;
    pads += static_cast<uint64_t>(pad);
    for (int64_t j = 0; j < seq; ++j) {
      store(ins.list[spec.ids], r * seq + j, prefill ? q.prompt[j] : q.tokens.back());
      store(ins.list[spec.positions], r * seq + j, q.length + j);
    }
    for (int64_t t = pad; t < total; ++t) // zeros before (createTensor zero-fills)
      store(ins.list[spec.mask], r * total + t, 1);
  }
  for (size_t c = 0; c < spec.caches.size(); ++c) {
    const CacheSpec &cs = spec.caches[c];
    std::vector<int64_t> dims = cs.dims;
    dims[0] = batch;
    dims[cs.axis] = past;
    if (kiln_status *st = create(cs.input, dims))
      return st;
    char *dst = static_cast<char *>(ins.list[cs.input]->data);
    for (int64_t r = 0; r < batch; ++r) {
      const GenRequest &q = *rows[r];
      const size_t run = static_cast<size_t>(q.length) * cs.innerBytes;
      if (!run)
        continue;
      const char *src = q.caches[c].data();
      for (int64_t o = 0; o < cs.outer; ++o) {
        size_t at =
            (static_cast<size_t>(r * cs.outer + o) * past + (past - q.length)) * cs.innerBytes;
        std::memcpy(dst + at, src + static_cast<size_t>(o) * run, run);
      }
    }
  }

  Tensors outs(m.outputs.size());
  std::vector<const kiln_tensor *> inPtrs(ins.list.begin(), ins.list.end());
  if (kiln_status *st = kiln_session_run(&session, inPtrs.data(), inPtrs.size(), outs.list.data(),
                                         outs.list.size()))
    return st;

  // Check what the rows are read from before changing any of them.
  const kiln_tensor *logits = outs.list[spec.logits];
  if (logits->dims[0] != batch || logits->dims[1] != seq || logits->dims[2] < 1)
    return error(KILN_STATUS_INTERNAL, "kiln_generator: logits '", m.outputs[spec.logits].name,
                 "' have dims ", formatDims(logits->dims), " for ", batch, " rows of ", seq,
                 " tokens");
  for (const CacheSpec &cs : spec.caches) {
    std::vector<int64_t> want = cs.dims;
    want[0] = batch;
    want[cs.axis] = total;
    if (outs.list[cs.output]->dims != want)
      return error(KILN_STATUS_INTERNAL, "kiln_generator: present output '", cs.presentName,
                   "' has dims ", formatDims(outs.list[cs.output]->dims), ", want ",
                   formatDims(want));
  }
  // Room first (may throw), then the commit, which cannot fail.
  std::vector<std::vector<std::vector<char>>> next(rows.size());
  for (int64_t r = 0; r < batch; ++r) {
    const GenRequest &q = *rows[r];
    next[r].resize(spec.caches.size());
    for (size_t c = 0; c < spec.caches.size(); ++c) {
      const CacheSpec &cs = spec.caches[c];
      const size_t run = static_cast<size_t>(q.length + seq) * cs.innerBytes;
      next[r][c].resize(static_cast<size_t>(cs.outer) * run);
      const char *src = static_cast<const char *>(outs.list[cs.output]->data);
      for (int64_t o = 0; o < cs.outer; ++o) {
        size_t at =
            (static_cast<size_t>(r * cs.outer + o) * total + (past - q.length)) * cs.innerBytes;
        std::memcpy(next[r][c].data() + static_cast<size_t>(o) * run, src + at, run);
      }
    }
    rows[r]->tokens.reserve(rows[r]->tokens.size() + 1);
  }
  const int64_t vocab = logits->dims[2];
  const float *lv = static_cast<const float *>(logits->data);
  for (int64_t r = 0; r < batch; ++r) {
    GenRequest &q = *rows[r];
    q.caches.swap(next[r]);
    q.length += seq;
    const float *last = lv + (r * seq + seq - 1) * vocab;
    int64_t token = argmax(last, vocab);
    q.tokens.push_back(token);
    if (q.callbacks.token)
      q.callbacks.token(q.callbacks.user_data, token, last, vocab);
  }
  padded += pads;
  return nullptr;
}
