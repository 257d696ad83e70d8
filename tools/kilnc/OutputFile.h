//===- OutputFile.h - kilnc's output files ---------------------*- C++ -*-===//
//
// kilnc never writes its output in place: the content goes to a uniquely named
// temporary beside the output and is renamed over it once complete, so a failed or
// interrupted compile leaves the previous output whole and touches no other file
// (a user's `m.so.tmp` included). The temporary is an llvm::sys::fs::TempFile, which
// registers it with RemoveFileOnSignal: SIGINT, SIGTERM and SIGHUP remove it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILNC_OUTPUTFILE_H
#define KILN_TOOLS_KILNC_OUTPUTFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>

namespace kiln {

/// Fails (with `error` set) when `output` is the same file as one of `inputs`: same
/// device and inode, so a symlink, a hard link or a `./` spelling is caught too.
/// Inputs that do not exist are skipped.
bool checkOutputIsNotAnInput(llvm::StringRef output, llvm::ArrayRef<std::string> inputs,
                             std::string &error);

/// The external-data files a binary ONNX model refers to (resolved against its
/// folder). Empty for text models and models without external data.
std::vector<std::string> externalDataFiles(llvm::StringRef modelPath);

/// One output of kilnc. Regular files (and paths that do not exist yet) are written
/// through a temporary beside them; '-' (stdout) and existing non-regular files such
/// as /dev/null are written directly, since renaming over them would replace them.
class OutputFile {
public:
  /// Opens the temporary (or the direct stream). Fails with `error` set, e.g. when
  /// the output's folder is missing or read-only, or `path` is a directory.
  static std::unique_ptr<OutputFile> create(llvm::StringRef path, std::string &error);
  ~OutputFile();

  /// Where the content goes. Write errors are collected and reported by commit().
  llvm::raw_ostream &stream() { return *os; }

  /// Flushes and checks every write, then renames the temporary into place. On
  /// failure the temporary is removed, the previous output is left as it was, and
  /// `error` is one line naming the output.
  bool commit(std::string &error);

private:
  explicit OutputFile(std::string path) : path(std::move(path)) {}

  std::string path;
  std::optional<llvm::sys::fs::TempFile> temp; ///< none when writing directly
  std::unique_ptr<llvm::raw_fd_ostream> os;
  bool done = false;
};

} // namespace kiln

#endif // KILN_TOOLS_KILNC_OUTPUTFILE_H
