//===- ReportScript.h - The Python part of kiln-bench's report --*- C++ -*-===//
//
// Part of Kiln. ONNX Runtime and matplotlib live in Python, so kiln-bench hands
// --reference and --plot to kiln_bench_report.py (installed as
// share/kiln/kiln_bench_report.py beside bin/): it reads kiln-bench's JSON and
// the inputs and outputs it saved, runs ONNX Runtime on the same inputs, adds the
// differences to the JSON and draws the plot. The timing never involves Python.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_BENCH_REPORTSCRIPT_H
#define KILN_TOOLS_KILN_BENCH_REPORTSCRIPT_H

#include <string>
#include <vector>

namespace kiln::bench {

/// The script's path, from this executable's (BIN/../share/kiln/); throws
/// ToolError naming the path looked at when it is not there.
std::string findReportScript();

/// Runs `$KILN_PYTHON` (default python3) on `script` with `args`, its output on
/// ours; returns its exit code (127 when the interpreter cannot start).
int runReportScript(const std::string &script, const std::vector<std::string> &args);

/// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on
/// destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::string &path() const { return dir; }

private:
  std::string dir;
};

} // namespace kiln::bench

#endif // KILN_TOOLS_KILN_BENCH_REPORTSCRIPT_H
