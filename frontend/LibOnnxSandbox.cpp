//===- LibOnnxSandbox.cpp - Run libonnx in a forked child -----------------===//
//
// Wire format on the pipe, child to parent: frames of a one-byte tag, an
// 8-byte native-endian length and the payload. 'S' announces a stage, 'R'
// carries the result and is the last frame. A child that dies leaves a
// truncated or missing 'R' frame; the parent trusts the result only when the
// frame is complete and the child exited with status 0.
//
//===----------------------------------------------------------------------===//

#include "frontend/LibOnnxSandbox.h"

#include "llvm/ADT/StringExtras.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace kiln::frontend {

namespace {

using Clock = std::chrono::steady_clock;

/// Writes all of `data`, through partial writes and EINTR.
bool writeAll(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool writeFrame(int fd, char tag, llvm::StringRef payload) {
  char header[9];
  header[0] = tag;
  uint64_t size = payload.size();
  std::memcpy(header + 1, &size, sizeof(size));
  return writeAll(fd, header, sizeof(header)) && writeAll(fd, payload.data(), payload.size());
}

enum class ReadStatus { Ok, Eof, TimedOut, Error };

/// Reads exactly `size` bytes into `out` before `deadline`. Eof when the
/// child closed the pipe first (it died or exited).
ReadStatus readExact(int fd, char *out, size_t size, Clock::time_point deadline) {
  while (size > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return ReadStatus::TimedOut;
    struct pollfd pfd = {fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX)));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0)
      return ReadStatus::Error;
    if (ready == 0)
      continue; // The loop head sees the deadline.
    // Large results are read in 1 MiB steps so that the deadline is seen.
    ssize_t n = ::read(fd, out, std::min<size_t>(size, 1 << 20));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n < 0)
      return ReadStatus::Error;
    if (n == 0)
      return ReadStatus::Eof;
    out += n;
    size -= static_cast<size_t>(n);
  }
  return ReadStatus::Ok;
}

/// Waits for `pid`, through EINTR; the raw status, or -1.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

/// Everything the child does before the work: it must not run the parent's
/// crash handlers (LLVM's remove the parent's temporary output files and
/// print a stack dump), must not write to the parent's stdout or stderr,
/// must not dump core, and must not outlive the parent.
void prepareChild(int writeFd) {
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGXCPU, SIGXFSZ,
                  SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2})
    ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
#ifdef __linux__
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
  struct rlimit noCore = {0, 0};
  ::setrlimit(RLIMIT_CORE, &noCore);
  int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devNull >= 0) {
    ::dup2(devNull, STDOUT_FILENO);
    ::dup2(devNull, STDERR_FILENO);
    if (devNull != writeFd && devNull > STDERR_FILENO)
      ::close(devNull);
  }
}

} // namespace

bool SandboxChannel::enterStage(llvm::StringRef stage) { return writeFrame(fd, 'S', stage); }

SandboxOutcome runInChild(llvm::function_ref<std::string(SandboxChannel &)> work,
                          unsigned timeoutSeconds) {
  SandboxOutcome outcome;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    outcome.reason = std::string("pipe: ") + std::strerror(errno);
    return outcome;
  }
#ifdef F_SETPIPE_SZ
  // A bigger pipe means fewer switches between the two processes while a
  // large model streams through; the default is 64 KiB. Best effort.
  ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
#endif
  pid_t pid = ::fork();
  if (pid < 0) {
    outcome.reason = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return outcome;
  }
  if (pid == 0) {
    ::close(fds[0]);
    prepareChild(fds[1]);
    SandboxChannel channel(fds[1]);
    int code = 0;
    try {
      std::string result = work(channel);
      code = writeFrame(fds[1], 'R', result) ? 0 : 3;
    } catch (...) {
      code = 4; // The work is meant to catch what libonnx throws.
    }
    ::_exit(code);
  }

  ::close(fds[1]);
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(timeoutSeconds);
  ReadStatus read = ReadStatus::Ok;
  bool gotResult = false;
  while (!gotResult) {
    char header[9];
    read = readExact(fds[0], header, sizeof(header), deadline);
    if (read != ReadStatus::Ok)
      break;
    uint64_t size;
    std::memcpy(&size, header + 1, sizeof(size));
    std::string payload;
    try {
      payload.resize(size);
    } catch (...) {
      read = ReadStatus::Error; // A size no child of ours sends.
      break;
    }
    read = readExact(fds[0], payload.data(), payload.size(), deadline);
    if (read != ReadStatus::Ok)
      break;
    if (header[0] == 'S') {
      outcome.stage = std::move(payload);
    } else if (header[0] == 'R') {
      outcome.result = std::move(payload);
      gotResult = true;
    } else {
      read = ReadStatus::Error;
      break;
    }
  }
  ::close(fds[0]);
  if (read == ReadStatus::TimedOut)
    ::kill(pid, SIGKILL);
  int status = reap(pid);
  if (read == ReadStatus::TimedOut) {
    outcome.status = SandboxOutcome::Status::TimedOut;
    outcome.result.clear();
    return outcome;
  }
  // A host that ignores SIGCHLD has its children reaped for it (waitpid then
  // fails with ECHILD): a whole result is then all there is to go by.
  bool exitedCleanly = status < 0 ? errno == ECHILD
                                  : WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (gotResult && exitedCleanly) {
    outcome.status = SandboxOutcome::Status::Finished;
    return outcome;
  }
  outcome.status = SandboxOutcome::Status::Crashed;
  outcome.result.clear();
  if (status >= 0 && WIFSIGNALED(status))
    outcome.signal = WTERMSIG(status);
  else if (status >= 0 && WIFEXITED(status))
    outcome.exitCode = WEXITSTATUS(status);
  // A child that exited 0 without a whole result (or sent garbage) is as
  // untrustworthy as one that crashed.
  if (outcome.signal == 0 && outcome.exitCode == 0)
    outcome.exitCode = -1;
  return outcome;
}

unsigned sandboxTimeoutSeconds() {
  unsigned seconds = 600;
  if (const char *env = std::getenv("KILN_LIBONNX_TIMEOUT")) {
    unsigned value;
    if (!llvm::StringRef(env).getAsInteger(10, value) && value > 0)
      seconds = value;
  }
  return seconds;
}

bool sandboxEnabled() {
  const char *env = std::getenv("KILN_LIBONNX_SANDBOX");
  return !env || llvm::StringRef(env) != "0";
}

} // namespace kiln::frontend
