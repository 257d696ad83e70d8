//===- model_io.h - Inputs and outputs of a loaded model --------*- C++ -*-===//
//
// Part of Kiln. What kiln-run and kiln-bench share on top of host_tensor.h: a
// model's inputs built from files (NAME=FILE, .npy or TensorProto .pb; sequences
// from SequenceProto .pb), given shapes and seeded random data, and its outputs
// written as .npy. Errors throw ToolError with a one-line message that names the
// flag and the input it is about.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_TOOLS_SUPPORT_MODEL_IO_H
#define KILN_RUNTIME_TOOLS_SUPPORT_MODEL_IO_H

#include "kiln/runtime.h"

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::tools {

/// A one-line error for the user; the tools print it after their name.
struct ToolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws ToolError with the status's message (and frees it); no-op for NULL.
void check(kiln_status *status);
/// Throws ToolError(error) unless `error` is empty (host_tensor.h's convention).
void check(const std::string &error);

struct TensorDeleter {
  void operator()(kiln_tensor *t) const { kiln_tensor_release(t); }
};
using TensorPtr = std::unique_ptr<kiln_tensor, TensorDeleter>;

/// A zero-filled tensor of the default allocator.
TensorPtr makeTensor(int32_t dtype, const std::vector<int64_t> &dims);

/// "[2,3]".
std::string dimsString(const int64_t *dims, int32_t rank);
/// "[N,3,?]": dims with their dim_params ("?" when unnamed).
std::string dimsString(const kiln_tensor_info &info);

/// Where a model's inputs come from.
struct InputSpec {
  /// --input NAME=FILE (or FILE, a TensorProto that names its input).
  std::vector<std::string> files;
  /// --absent NAME: optional inputs left absent.
  std::vector<std::string> absent;
  /// Dims of random inputs by name (validated against the model); their named
  /// dynamic dims bind the inputs that share them.
  std::map<std::string, std::vector<int64_t>> shapes;
  /// Random data (fixed seed) for the inputs neither files nor `absent` give;
  /// without it such an input is an error.
  bool random = false;
  /// Random inputs' dim 0 and the dims sharing the first dim_param of the model
  /// when no file or shape binds them; other dynamic dims are 1. For a random
  /// sequence input: its element count.
  int64_t batch = 1;
};

/// The model's inputs in model order (NULL for absent ones), ready for
/// kiln_session_run.
std::vector<TensorPtr> buildInputs(kiln_model *model, const InputSpec &spec);

/// An ONNX value name made safe for a file name ('/' and ':' become '_').
std::string fileNameFor(const char *name);

/// Writes `tensor` as a .npy file.
void writeTensorNpy(const std::string &path, const kiln_tensor *tensor);

/// The elements of a packed sequence (data and shape table).
std::vector<TensorPtr> unpackSequence(const kiln_tensor *data, const kiln_tensor *shapes);

/// Writes a sequence's elements as DIR/0.npy, DIR/1.npy, ... into a fresh DIR
/// (anything there before is removed).
void writeSequenceNpy(const std::string &dir, const std::vector<TensorPtr> &elements);

} // namespace kiln::tools

#endif // KILN_RUNTIME_TOOLS_SUPPORT_MODEL_IO_H
