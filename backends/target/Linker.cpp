//===- Linker.cpp - Glue plus object into model.so ------------------------===//

#include "backends/target/AbiGlue.h"
#include "backends/target/Linker.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <csignal>

#include <signal.h>
#include <sys/types.h>

using namespace mlir;

namespace kiln {

/// kiln/model_abi.h, embedded at build time so the glue always matches this compiler.
static const char kModelAbiHeader[] =
#include "backends/target/ModelAbiHeader.inc"
    ;

static LogicalResult writeFile(llvm::StringRef path, llvm::StringRef text, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (!ec) {
    os << text;
    os.close();
    ec = os.error();
    os.clear_error(); // checked here, not reported again by the destructor
  }
  if (ec) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    return failure();
  }
  return success();
}

namespace {
/// The running C compiler's process group (0: none), and the termination signal
/// that arrived during the link (0: none). Written by the signal handler.
std::atomic<pid_t> compilerGroup{0};
volatile std::sig_atomic_t interruptSignal = 0;
volatile std::sig_atomic_t interruptCount = 0;

void stopCompiler() {
  pid_t group = compilerGroup.load();
  if (group <= 0)
    return;
  // SIGTERM first, so gcc, collect2 and lld delete their own temporaries; a second
  // signal (the user insists, or the compiler ignores SIGTERM) kills outright. The
  // driver itself too: it may not have made its group yet.
  int sig = interruptCount > 1 ? SIGKILL : SIGTERM;
  ::kill(-group, sig);
  ::kill(group, sig);
}

void onInterrupt(int sig) {
  interruptSignal = sig;
  interruptCount = interruptCount + 1;
  stopCompiler();
}

/// While alive, SIGHUP, SIGINT and SIGTERM stop the C compiler instead of ending
/// kilnc at once: the files it writes must be gone before kilnc goes, and it runs in
/// a session of its own (so a terminal's Ctrl-C does not reach it). The handlers in
/// place before (LLVM's, which remove the files registered with RemoveFileOnSignal)
/// come back with the destructor. Signals kilnc was started ignoring stay ignored.
class InterruptGuard {
public:
  InterruptGuard() {
    interruptSignal = 0;
    interruptCount = 0;
    for (size_t i = 0; i < std::size(kSignals); ++i) {
      struct sigaction handler = {};
      handler.sa_handler = onInterrupt;
      sigemptyset(&handler.sa_mask);
      sigaction(kSignals[i], nullptr, &saved[i]);
      installed[i] =
          saved[i].sa_handler != SIG_IGN && sigaction(kSignals[i], &handler, nullptr) == 0;
    }
  }
  ~InterruptGuard() {
    for (size_t i = 0; i < std::size(kSignals); ++i)
      if (installed[i])
        sigaction(kSignals[i], &saved[i], nullptr);
  }

private:
  static constexpr int kSignals[] = {SIGHUP, SIGINT, SIGTERM};
  struct sigaction saved[std::size(kSignals)];
  bool installed[std::size(kSignals)] = {};
};
} // namespace

/// Writes the glue into `dir` and runs the C compiler on it; see linkModelLibrary.
static LogicalResult compileAndLink(llvm::StringRef dir, llvm::StringRef program,
                                    const ModelSignature &signature, const LinkOptions &options,
                                    llvm::ArrayRef<std::string> objectPaths,
                                    llvm::raw_ostream &os, std::string &error) {
  GlueOptions glue;
  glue.compilerId = KILN_COMPILER_ID;
  glue.targetCpu = options.targetCpu;
  glue.arenaBaseBytes = signature.memory.arenaBaseBytes;
  glue.arenaPerBatchBytes = signature.memory.arenaPerBatchBytes;
  glue.intermediatesBytes = signature.memory.intermediatesBytes;
  llvm::SmallString<128> gluePath(dir), headerPath(dir), logPath(dir), outputPath(dir);
  llvm::sys::path::append(gluePath, "glue.c");
  llvm::sys::path::append(outputPath, "model.so");
  llvm::sys::path::append(headerPath, "kiln_model_abi.h");
  llvm::sys::path::append(logPath, "link.log");
  if (failed(writeFile(headerPath, kModelAbiHeader, error)) ||
      failed(writeFile(gluePath, generateAbiGlue(signature, glue), error)))
    return failure();

  llvm::SmallVector<llvm::StringRef> args{program, "-O2", "-fPIC", "-shared", "-o", outputPath,
                                          gluePath};
  args.append(objectPaths.begin(), objectPaths.end());
  args.push_back("-lm");
  if (program.contains("clang"))
    args.insert(args.begin() + 1, "-fuse-ld=lld");
  // The glue too: its copies into the model's buffers are checked like the kernels.
  if (options.sanitizeAddress)
    args.insert(args.begin() + 1, "-fsanitize=address");
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(), logPath.str()};
  if (interruptSignal)
    return failure();
  // DetachProcess: a session (and so a process group) of its own, which
  // stopCompiler() signals as a whole: driver, compiler, assembler, linker.
  std::string execError;
  bool failedToStart = false;
  llvm::sys::ProcessInfo child =
      llvm::sys::ExecuteNoWait(program, args, std::nullopt, redirects, 0, &execError,
                               &failedToStart, nullptr, /*DetachProcess=*/true);
  int rc = -1;
  if (!failedToStart && child.Pid > 0) {
    compilerGroup = child.Pid;
    if (interruptSignal) // it arrived before the group was known
      stopCompiler();
    // Waits until the driver exits, also through interrupts.
    rc = llvm::sys::Wait(child, std::nullopt, &execError).ReturnCode;
    compilerGroup = 0;
  }
  if (interruptSignal)
    return failure();
  if (rc == 0) {
    // The library is linked here, in the private folder, and only then copied out:
    // linkers write their output in ways that fail badly on a full disk (lld maps it
    // and dies of SIGBUS) or leave files of their own beside it.
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> library =
        llvm::MemoryBuffer::getFile(outputPath, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!library) {
      error = "cannot read the linked library: " + library.getError().message();
      return failure();
    }
    os << (*library)->getBuffer();
    return success();
  }
  // One line: what the compiler said, its lines joined, cut where it gets long.
  std::string said;
  if (auto log = llvm::MemoryBuffer::getFile(logPath)) {
    llvm::SmallVector<llvm::StringRef> lines;
    (*log)->getBuffer().split(lines, '\n', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef line : lines)
      said += (said.empty() ? "" : "; ") + line.trim().str();
    if (said.size() > 600)
      said = said.substr(0, 600) + " ...";
  }
  error = "'" + program.str() + "' " + (rc == -2 ? "crashed" : "failed") +
          (execError.empty() ? "" : " (" + execError + ")") + (said.empty() ? "" : ": " + said);
  return failure();
}

LogicalResult linkModelLibrary(const ModelSignature &signature,
                               llvm::ArrayRef<std::string> objectPaths,
                               const LinkOptions &options, llvm::raw_ostream &os,
                               std::string &error) {
  std::string compiler = options.cCompiler.empty() ? KILN_C_COMPILER : options.cCompiler;
  llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(compiler);
  if (!program) {
    error = "cannot find the C compiler '" + compiler + "' that links model libraries";
    return failure();
  }
  LogicalResult linked = failure();
  int signal = 0;
  {
    InterruptGuard guard;
    llvm::SmallString<128> dir;
    if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("kiln-link", dir)) {
      error = "cannot create a temporary folder: " + ec.message();
      return failure();
    }
    linked = compileAndLink(dir, *program, signature, options, objectPaths, os, error);
    llvm::sys::fs::remove_directories(dir);
    signal = interruptSignal;
  } // The earlier signal handlers are back.
  if (signal) {
    // Where LLVM's handler is back, it removes the caller's temporaries (the object,
    // the output) before the signal's default action ends the process.
    ::raise(signal);
    error = "interrupted";
    return failure();
  }
  return linked;
}

} // namespace kiln
