//===- Linker.h - The model library: C glue plus generated code --*- C++ -*-===//
//
// Every target's artifact is a host shared library implementing kiln/model_abi.h: the C
// glue (AbiGlue.h) compiled and linked with the target's object file by a C compiler.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKENDS_TARGET_LINKER_H
#define KILN_BACKENDS_TARGET_LINKER_H

#include "backends/target/ModelSignature.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace kiln {

struct LinkOptions {
  std::string cCompiler;       ///< empty = the C compiler Kiln was built with
  std::string targetCpu;       ///< recorded in the model's descriptor
  bool sanitizeAddress = false; ///< compile the glue with -fsanitize=address
};

/// Writes the ABI glue to a private temporary folder, compiles and links it with the
/// objects at `objectPaths` into a shared library there, and writes the library's bytes to `os`
/// (the caller checks the stream's errors). The C compiler runs in a process group of
/// its own: SIGINT, SIGTERM or SIGHUP during the link stop it, remove the folder and
/// then re-raise the signal, so the process ends as that signal's default action (or
/// an earlier handler, e.g. LLVM's file removal) says.
mlir::LogicalResult linkModelLibrary(const ModelSignature &signature,
                                     llvm::ArrayRef<std::string> objectPaths,
                                     const LinkOptions &options, llvm::raw_ostream &os,
                                     std::string &error);

} // namespace kiln

#endif // KILN_BACKENDS_TARGET_LINKER_H
