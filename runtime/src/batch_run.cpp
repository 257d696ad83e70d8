//===- batch_run.cpp - Running one batch of a kiln_batcher ------*- C++ -*-===//
//
// Part of Kiln. Concatenates the requests' inputs along dim 0 into a worker's
// buffers, makes one kiln_session_run into the worker's output buffers, and copies
// each request's rows of every output into tensors of its own. A batch of one runs
// on the request's own tensors. A batched run that fails with INVALID_ARGUMENT (a
// check on input values) is rerun request by request, so that only the requests at
// fault see the error; other failures reach every request of the batch.
//
//===----------------------------------------------------------------------===//

#include "batcher.h"
#include "session.h"
#include "status.h"
#include "tensor.h"

#include <cstring>

using namespace kiln::runtime;

namespace {

/// Runs one request on its own tensors and hands it the outputs.
void runAlone(kiln_batcher &b, Request &r) {
  std::vector<kiln_tensor *> outs(r.outputDims.size(), nullptr);
  kiln_status *st =
      kiln_session_run(b.session, r.inputs.data(), r.inputs.size(), outs.data(), outs.size());
  complete(b, r, st, outs.data());
}

/// Points `t` at `buffer`, grown to hold `dtype` `dims`, with the session's allocator.
kiln_status *bindBuffer(const kiln_allocator &allocator, GrowableBuffer &buffer, int32_t dtype,
                        std::vector<int64_t> dims, kiln_tensor &t) {
  size_t bytes = 0;
  if (!computeByteSize(dtype, static_cast<int32_t>(dims.size()), dims.data(), bytes))
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, "kiln_batcher: a batch of dims ", formatDims(dims),
                 " overflows size_t");
  if (!growBuffer(allocator, buffer, bytes))
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, "kiln_batcher: cannot allocate ", bytes,
                 " bytes for a batch of dims ", formatDims(dims));
  t.dtype = dtype;
  t.dims = std::move(dims);
  t.data = buffer.data;
  t.byteSize = bytes;
  t.owned = false;
  return nullptr;
}

/// Fills the batch's input tensors (the requests' rows one after the other) and sizes
/// its output tensors; `ins`/`outs` point at them.
kiln_status *prepareBatch(kiln_batcher &b, WorkerBuffers &buffers,
                          const std::vector<std::unique_ptr<Request>> &batch, int64_t total,
                          std::vector<kiln_tensor> &inTensors, std::vector<kiln_tensor> &outTensors,
                          std::vector<const kiln_tensor *> &ins, std::vector<kiln_tensor *> &outs) {
  const kiln_session &session = *b.session;
  const kiln_model &m = *session.model;
  const Request &first = *batch.front();
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    const kiln_tensor *t0 = first.inputs[i];
    if (!t0)
      continue; // absent in every request of the batch (compatible())
    std::vector<int64_t> dims = t0->dims;
    dims[0] = total;
    if (kiln_status *st =
            bindBuffer(session.allocator, buffers.inputs[i], t0->dtype, dims, inTensors[i]))
      return st;
    inTensors[i].device = t0->device;
    char *dst = static_cast<char *>(inTensors[i].data);
    for (const std::unique_ptr<Request> &r : batch) {
      const kiln_tensor *t = r->inputs[i];
      if (t->byteSize)
        std::memcpy(dst, t->data, t->byteSize);
      dst += t->byteSize;
    }
    ins[i] = &inTensors[i];
  }
  for (size_t o = 0; o < m.outputs.size(); ++o) {
    std::vector<int64_t> dims = first.outputDims[o];
    dims[0] = total;
    if (kiln_status *st = bindBuffer(session.allocator, buffers.outputs[o], m.outputs[o].dtype,
                                     dims, outTensors[o]))
      return st;
    outTensors[o].device = session.device;
    outs[o] = &outTensors[o];
  }
  return nullptr;
}

/// Copies request `r`'s rows, at byte `offsets` of the batched outputs, into new
/// tensors of its own (advancing the offsets) and hands them to its callback.
void deliverSlice(kiln_batcher &b, Request &r, const std::vector<kiln_tensor> &outTensors,
                  std::vector<size_t> &offsets) {
  const kiln_model &m = *b.session->model;
  const size_t nout = m.outputs.size();
  std::vector<kiln_tensor *> mine(nout, nullptr);
  kiln_status *st = nullptr;
  for (size_t o = 0; o < nout; ++o) {
    const std::vector<int64_t> &dims = r.outputDims[o];
    size_t bytes = outTensors[o].byteSize / static_cast<size_t>(outTensors[o].dims[0]) *
                   static_cast<size_t>(r.rows);
    if (!st)
      st = createTensor(m.outputs[o].dtype, static_cast<int32_t>(dims.size()), dims.data(),
                        b.session->allocator, &mine[o]);
    if (!st && bytes)
      std::memcpy(mine[o]->data, static_cast<const char *>(outTensors[o].data) + offsets[o], bytes);
    offsets[o] += bytes;
  }
  if (st)
    for (kiln_tensor *&t : mine) {
      kiln_tensor_release(t);
      t = nullptr;
    }
  complete(b, r, st, mine.data());
}

} // namespace

void kiln::runtime::runBatch(kiln_batcher &b, WorkerBuffers &buffers,
                             std::vector<std::unique_ptr<Request>> &batch) {
  // Requests whose callback has been called: never twice. Nothing after a callback
  // throws, so `done` moves past a request right after its callback returns.
  size_t done = 0;
  try {
    if (batch.size() == 1) {
      runAlone(b, *batch[0]);
      ++done;
      return;
    }
    const kiln_model &m = *b.session->model;
    const size_t nin = m.inputs.size(), nout = m.outputs.size();
    int64_t total = 0;
    for (const std::unique_ptr<Request> &r : batch)
      total += r->rows;
    buffers.inputs.resize(nin);
    buffers.outputs.resize(nout);
    std::vector<kiln_tensor> inTensors(nin), outTensors(nout);
    std::vector<const kiln_tensor *> ins(nin, nullptr);
    std::vector<kiln_tensor *> outs(nout, nullptr);
    kiln_status *st = prepareBatch(b, buffers, batch, total, inTensors, outTensors, ins, outs);
    if (!st)
      st = kiln_session_run(b.session, ins.data(), nin, outs.data(), nout);
    if (st && kiln_status_code(st) == KILN_STATUS_INVALID_ARGUMENT) {
      // Every request passed the shape checks alone, so a value check failed: find
      // the requests at fault by running each alone.
      kiln_status_free(st);
      b.splitBatches.fetch_add(1, std::memory_order_relaxed);
      for (; done < batch.size(); ++done)
        runAlone(b, *batch[done]);
      return;
    }
    if (st) {
      for (; done < batch.size(); ++done)
        fail(b, *batch[done], makeStatus(st->code, st->message));
      kiln_status_free(st);
      return;
    }
    std::vector<size_t> offsets(nout, 0);
    for (; done < batch.size(); ++done)
      deliverSlice(b, *batch[done], outTensors, offsets);
  } catch (...) {
    kiln_status *st = statusFromCurrentException("kiln_batcher");
    for (; done < batch.size(); ++done)
      fail(b, *batch[done], makeStatus(st->code, st->message));
    kiln_status_free(st);
  }
}
