//===- ReportScript.cpp - The Python part of kiln-bench's report ----------===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "ReportScript.h"

#include "model_io.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

using namespace kiln::bench;
using kiln::tools::ToolError;
namespace fs = std::filesystem;

std::string kiln::bench::findReportScript() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw ToolError("cannot find this executable (/proc/self/exe): " + ec.message());
  fs::path script = exe.parent_path().parent_path() / "share" / "kiln" / "kiln_bench_report.py";
  if (!fs::is_regular_file(script))
    throw ToolError("--reference and --plot need " + script.string() +
                    ", which is not there (build the kiln-bench target, or install Kiln)");
  return script.string();
}

int kiln::bench::runReportScript(const std::string &script, const std::vector<std::string> &args) {
  const char *python = std::getenv("KILN_PYTHON");
  if (!python || !*python)
    python = "python3";
  std::vector<std::string> argv = {python, script};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char *> cargv;
  for (std::string &a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0)
    throw ToolError(std::string("cannot start ") + python + ": " + std::strerror(errno));
  if (pid == 0) {
    execvp(cargv[0], cargv.data());
    std::fprintf(stderr,
                 "kiln-bench: cannot run %s (set KILN_PYTHON to a Python 3 with "
                 "numpy and onnxruntime): %s\n",
                 python, std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      throw ToolError(std::string("waiting for ") + python + ": " + std::strerror(errno));
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

TempDir::TempDir() {
  const char *tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kiln-bench-XXXXXX";
  if (!mkdtemp(pattern.data()))
    throw ToolError("cannot create a temporary folder " + pattern + ": " + std::strerror(errno));
  dir = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(dir, ec);
}
