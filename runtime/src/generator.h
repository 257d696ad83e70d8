//===- generator.h - The kiln_generator object ------------------*- C++ -*-===//
//
// Part of Kiln. A generator (kiln/generator.h) keeps a FIFO queue of waiting requests
// and the set of active ones under one mutex; its scheduler thread (generator.cpp)
// admits requests, runs their prefill and the batched decode steps (decode_step.cpp)
// outside the lock, and completes each request exactly once.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_GENERATOR_H
#define KILN_RUNTIME_SRC_GENERATOR_H

#include "kiln/generator.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace kiln::runtime {

/// One cached tensor of the decoder, resolved against the model.
struct CacheSpec {
  size_t input = 0, output = 0;
  int32_t axis = 2;
  int32_t dtype = 1;
  size_t elemSize = 4;
  /// The past input's dims with the batch (dim 0) and the past length (axis) as 0.
  std::vector<int64_t> dims;
  /// Elements before the axis (dims 1..axis-1) and bytes after it (dims axis+1.. times
  /// the element size), per batch row.
  int64_t outer = 1;
  size_t innerBytes = 0;
  std::string pastName, presentName;
};

/// Which model inputs and outputs play which part (kiln_decoder_desc, resolved).
struct DecoderSpec {
  size_t ids = 0, mask = 0, positions = 0, logits = 0;
  std::vector<CacheSpec> caches;
};

/// One request: its prompt, what it generated, and its own KV caches.
struct GenRequest {
  uint64_t ticket = 0;
  std::vector<int64_t> prompt;
  int32_t maxNew = 1;
  int64_t stop = -1;
  kiln_generate_callbacks callbacks{};
  std::vector<int64_t> tokens;
  /// Positions in the caches (0 before the prefill).
  int64_t length = 0;
  /// Per cache: the request's positions, [outer, length, inner] bytes.
  std::vector<std::vector<char>> caches;

  bool finished() const {
    return tokens.size() >= static_cast<size_t>(maxNew) ||
           (!tokens.empty() && stop >= 0 && tokens.back() == stop);
  }
};

using GenRequestPtr = std::unique_ptr<GenRequest>;

/// Runs one call of the decoder on `rows` (all with the same number of new tokens: the
/// prompt for a prefill, else 1): left-pads their caches to the longest, runs, and on
/// success appends each row's new positions to its caches, its token to its tokens
/// (argmax of the last position's logits) and calls its token callback. On failure no
/// row changes. `padded` receives the padding positions added.
kiln_status *runStep(kiln_session &session, const DecoderSpec &spec,
                     const std::vector<GenRequest *> &rows, uint64_t &padded);

} // namespace kiln::runtime

struct kiln_generator {
  kiln_session *session = nullptr;
  kiln::runtime::DecoderSpec spec;
  kiln_generator_options options{};

  /// Guards everything down to `closeMutex`.
  mutable std::mutex mutex;
  /// Wakes the scheduler: a request arrived, a cancellation, or closing.
  std::condition_variable wake;
  std::deque<kiln::runtime::GenRequestPtr> queue;
  /// Tickets of the requests the scheduler holds (admitted, not yet completed).
  std::unordered_set<uint64_t> active;
  /// Active tickets whose cancellation was asked for.
  std::unordered_set<uint64_t> cancelRequested;
  uint64_t nextTicket = 1;
  bool closing = false;
  /// KILN_GENERATOR_CLOSE_CANCEL: the scheduler cancels what it holds.
  bool cancelAll = false;
  uint64_t requests = 0, rejected = 0;

  std::atomic<uint64_t> completed{0}, failed{0}, cancelled{0}, prefills{0}, steps{0}, stepRows{0},
      largestStep{0}, padded{0}, tokens{0}, splitSteps{0};

  /// Serializes kiln_generator_close; `closed` once the scheduler is joined.
  std::mutex closeMutex;
  bool closed = false;
  std::thread scheduler;

  ~kiln_generator();
};

namespace kiln::runtime {

/// Resolves `desc` against the session's model, or says what does not fit.
kiln_status *resolveDecoder(const kiln_model &model, const kiln_decoder_desc &desc,
                            DecoderSpec &spec);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SRC_GENERATOR_H
