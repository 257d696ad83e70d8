//===- Progress.cpp - kilnc's progress line -------------------------------===//

#include "tools/kilnc/Progress.h"

#include "mlir/Pass/Pass.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {

Progress::Progress(llvm::StringRef what, bool enabled, std::chrono::milliseconds delay)
    : what(what.str()), start(std::chrono::steady_clock::now()), delay(delay) {
  if (enabled)
    thread = std::thread([this] { run(); });
}

Progress::~Progress() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  wake.notify_all();
  if (thread.joinable())
    thread.join();
}

void Progress::setPhase(llvm::StringRef name) {
  std::lock_guard<std::mutex> lock(mutex);
  phase = name.str();
}

void Progress::clear() {
  std::lock_guard<std::mutex> lock(mutex);
  if (!shown)
    return;
  llvm::errs() << '\r' << std::string(width, ' ') << '\r';
  llvm::errs().flush();
  shown = false;
  width = 0;
}

void Progress::run() {
  std::unique_lock<std::mutex> lock(mutex);
  if (wake.wait_for(lock, delay, [&] { return done; }))
    return;
  while (!done) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
    std::string line = "kilnc: " + what + ": " + phase + ", " + std::to_string(seconds) + " s";
    if (line.size() > 100)
      line = line.substr(0, 97) + "...";
    // Pad over the longer line before it; \r keeps it one line.
    llvm::errs() << '\r' << line << std::string(width > line.size() ? width - line.size() : 0, ' ');
    llvm::errs().flush();
    width = std::max(width, line.size());
    shown = true;
    wake.wait_for(lock, std::chrono::seconds(1), [&] { return done; });
  }
  if (shown) {
    llvm::errs() << '\r' << std::string(width, ' ') << '\r';
    llvm::errs().flush();
  }
}

namespace {
class PassNames : public mlir::PassInstrumentation {
public:
  explicit PassNames(Progress &progress) : progress(progress) {}
  void runBeforePass(mlir::Pass *pass, mlir::Operation *) override {
    llvm::StringRef name = pass->getArgument();
    progress.setPhase(("pass " + (name.empty() ? pass->getName() : name)).str());
  }

private:
  Progress &progress;
};
} // namespace

std::unique_ptr<mlir::PassInstrumentation> Progress::passInstrumentation() {
  return std::make_unique<PassNames>(*this);
}

} // namespace kiln
