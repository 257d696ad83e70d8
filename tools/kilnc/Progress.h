//===- Progress.h - kilnc's progress line ------------------------*- C++ -*-===//
//
// A compile that takes more than a few seconds shows what it is doing on one line of
// stderr, rewritten in place ("kilnc: resnet50.onnx: LLVM optimization, 12 s"), and
// erased when the compile ends. Only on a terminal unless forced; never in a pipe.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILNC_PROGRESS_H
#define KILN_TOOLS_KILNC_PROGRESS_H

#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/ADT/StringRef.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace kiln {

class Progress {
public:
  /// Shows nothing unless `enabled`; then starts showing after `delay`.
  Progress(llvm::StringRef what, bool enabled,
           std::chrono::milliseconds delay = std::chrono::seconds(3));
  ~Progress(); ///< erases the line

  /// The phase now running ("import", a pass name, "link").
  void setPhase(llvm::StringRef phase);

  /// Erases the line, if shown, so that a message can be printed (it comes back
  /// within a second).
  void clear();

  /// A pass instrumentation that names each pass as it starts.
  std::unique_ptr<mlir::PassInstrumentation> passInstrumentation();

private:
  void run();

  std::string what;
  std::chrono::steady_clock::time_point start;
  std::chrono::milliseconds delay;
  std::mutex mutex;
  std::condition_variable wake;
  std::string phase;
  bool done = false;
  bool shown = false;
  size_t width = 0; ///< of the longest line shown since the last clear
  std::thread thread;
};

} // namespace kiln

#endif // KILN_TOOLS_KILNC_PROGRESS_H
