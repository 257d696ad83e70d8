//===- LibOnnxSandbox.h - Run libonnx in a forked child ---------*- C++ -*-===//
//
// libonnx 1.12 dereferences attributes and shapes it never checked, so a
// malformed model can crash it. Kiln's own checks catch the cases it knows,
// but they step aside where only libonnx can type an output. Running libonnx
// in a forked child closes that class for good: a child that dies takes only
// itself down, and the parent reports which libonnx step it was in.
//
// The child gets a copy-on-write image of the parent, so the work needs no
// input bytes: it runs on the parent's data, returns bytes that are streamed
// back through a pipe, and the child _exit()s without running destructors,
// atexit handlers or stream flushes of the parent.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_LIBONNXSANDBOX_H
#define KILN_FRONTEND_LIBONNXSANDBOX_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace kiln::frontend {

/// Lets the work in the child say which step it is in. The parent names the
/// last step announced when the child crashes or hangs.
class SandboxChannel {
public:
  explicit SandboxChannel(int fd) : fd(fd) {}
  /// Announces `stage` (e.g. "shape inference"); false when the parent is gone.
  bool enterStage(llvm::StringRef stage);

private:
  int fd;
};

/// How the child ended.
struct SandboxOutcome {
  enum class Status {
    Finished,   ///< `result` holds what the work returned.
    Crashed,    ///< Killed by `signal`, or exited with `exitCode` before its result.
    TimedOut,   ///< Still running after the timeout; it was killed.
    Unavailable ///< No child could run (`reason`): pipe or fork failed.
  };
  Status status = Status::Unavailable;
  std::string result;
  /// The last stage the child announced ("" if none).
  std::string stage;
  int signal = 0;
  int exitCode = 0;
  std::string reason;
};

/// Runs `work` in a forked child and waits at most `timeoutSeconds` for it.
/// `work` must only read the data it shares with the parent, compute, and
/// return its result: files, the MLIR context and anything else that outlives
/// the child are off limits (the child _exit()s, so nothing is flushed or
/// destroyed). Results of any size are streamed (no 2 GiB pipe limit).
SandboxOutcome runInChild(llvm::function_ref<std::string(SandboxChannel &)> work,
                          unsigned timeoutSeconds);

/// The child's time limit: $KILN_LIBONNX_TIMEOUT (seconds) when set, else 600.
unsigned sandboxTimeoutSeconds();

/// False when $KILN_LIBONNX_SANDBOX is "0": libonnx then runs in-process, as
/// before (for the fuzzer, which wants libonnx crashes, and for measuring).
bool sandboxEnabled();

} // namespace kiln::frontend

#endif // KILN_FRONTEND_LIBONNXSANDBOX_H
