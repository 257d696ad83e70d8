//===- session.h - kiln._kiln.Model and kiln._kiln.Session ------*- C++ -*-===//
//
// Part of Kiln's Python extension: the native halves of kiln.Model and kiln.Session
// (kiln/session.py adds metadata objects, run_async and path handling). Session.run is
// the hot path: one dict lookup and one kiln_tensor_wrap per input, the GIL released
// around kiln_session_run, one numpy array per output over the runtime's buffer.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PYTHON_SESSION_H
#define KILN_PYTHON_SESSION_H

#include "arrays.h"
#include "kiln/runtime.h"

#include <nanobind/nanobind.h>

#include <string>
#include <utility>
#include <vector>

namespace kiln::python {

namespace nb = nanobind;

/// A loaded model library (one kiln_model reference).
class Model {
public:
  /// Loads the model at `path` (the GIL released meanwhile).
  explicit Model(const std::string &path);
  /// Adopts one reference to `model`.
  explicit Model(kiln_model *model) : model_(model) {}
  Model(const Model &other);
  Model &operator=(const Model &) = delete;
  ~Model();

  kiln_model *get() const { return model_; }
  /// One tuple per model input (output): (name, onnx dtype, dims with -1 for dynamic,
  /// dim_params with "" for unnamed, optional, kiln_model_value_kind).
  nb::list inputs() const;
  nb::list outputs() const;
  /// kiln_model_get_metadata as a dict.
  nb::dict metadata() const;
  std::string device() const;

private:
  kiln_model *model_;
};

/// What a run needs to know of one model input or output.
struct ValueInfo {
  nb::object name; // the feed or result key (a Python str)
  std::string utf8;
  int32_t dtype = 0;
  int32_t kind = 0;         // kiln_model_value_kind
  int32_t sequenceRank = 0; // the element rank, for a sequence's data
  bool optional = false;
};

/// Owns the tensors a run returned until they are handed to numpy.
struct OwnedTensors {
  std::vector<kiln_tensor *> tensors;
  explicit OwnedTensors(size_t n) : tensors(n, nullptr) {}
  kiln_tensor *take(size_t i) { return std::exchange(tensors[i], nullptr); }
  ~OwnedTensors() {
    for (kiln_tensor *t : tensors)
      kiln_tensor_release(t);
  }
};

/// The tensors of `feeds` (a dict name -> array; None or a missing optional input
/// leaves it absent; a sequence input is a list of arrays), one per model input (NULL:
/// absent); `held` keeps what they wrap alive. Raises KilnError for a missing or
/// unknown input.
std::vector<const kiln_tensor *> wrapFeeds(nb::handle feeds, const std::vector<ValueInfo> &inputs,
                                           std::vector<InputTensor> &held);

/// A dict name -> numpy array (a list for a sequence) of a run's outputs, for every
/// output or only those in `outputNames` (an iterable of names; None for all).
nb::dict resultsDict(OwnedTensors &outs, const std::vector<ValueInfo> &outputs,
                     const kiln_model *model, nb::handle outputNames);

/// A session (kiln_session): thread-safe, like the runtime's.
class Session {
public:
  Session(const Model &model, int32_t threads);
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session();

  /// Runs on `feeds` (a dict name -> array; None or a missing optional input leaves it
  /// absent; a sequence input is a list of arrays) and returns a dict name -> numpy
  /// array (a list of arrays for a sequence output), for every output or only those in
  /// `outputNames` (an iterable of names; None for all).
  nb::dict run(nb::handle feeds, nb::handle outputNames);

  int32_t numThreads() const { return kiln_session_num_threads(session_); }
  uint64_t arenaBytes() const { return kiln_session_arena_bytes(session_); }
  Model model() const;

  kiln_session *get() const { return session_; }
  const std::vector<ValueInfo> &inputInfos() const { return inputs_; }
  const std::vector<ValueInfo> &outputInfos() const { return outputs_; }

private:
  kiln_session *session_ = nullptr;
  std::vector<ValueInfo> inputs_, outputs_;
};

} // namespace kiln::python

#endif // KILN_PYTHON_SESSION_H
