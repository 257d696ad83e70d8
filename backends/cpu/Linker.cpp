//===- Linker.cpp - Glue plus object into model.so ------------------------===//

#include "backends/cpu/AbiGlue.h"
#include "backends/cpu/CpuBackend.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/ADT/ScopeExit.h"

using namespace mlir;

namespace kiln::cpu {

/// kiln/model_abi.h, embedded at build time so the glue always matches this compiler.
static const char kModelAbiHeader[] =
#include "backends/cpu/ModelAbiHeader.inc"
    ;

static LogicalResult writeFile(llvm::StringRef path, llvm::StringRef text, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    return failure();
  }
  os << text;
  return success();
}

LogicalResult linkModelLibrary(const ModelSignature &signature, llvm::StringRef targetCpu,
                               llvm::StringRef objectPath, llvm::StringRef outputPath,
                               const CompileOptions &options, std::string &error) {
  llvm::SmallString<128> dir;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("kiln-link", dir)) {
    error = "cannot create a temporary directory: " + ec.message();
    return failure();
  }
  auto cleanup = llvm::make_scope_exit([&] { llvm::sys::fs::remove_directories(dir); });

  GlueOptions glue;
  glue.compilerId = KILN_COMPILER_ID;
  glue.targetCpu = targetCpu.str();
  glue.arenaBaseBytes = signature.memory.arenaBaseBytes;
  glue.arenaPerBatchBytes = signature.memory.arenaPerBatchBytes;
  glue.intermediatesBytes = signature.memory.intermediatesBytes;
  llvm::SmallString<128> gluePath(dir), headerPath(dir), logPath(dir);
  llvm::sys::path::append(gluePath, "glue.c");
  llvm::sys::path::append(headerPath, "kiln_model_abi.h");
  llvm::sys::path::append(logPath, "link.log");
  if (failed(writeFile(headerPath, kModelAbiHeader, error)) ||
      failed(writeFile(gluePath, generateAbiGlue(signature, glue), error)))
    return failure();

  std::string compiler = options.cCompiler.empty() ? KILN_C_COMPILER : options.cCompiler;
  llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(compiler);
  if (!program) {
    error = "cannot find the C compiler '" + compiler + "' that links model libraries";
    return failure();
  }
  // Write under a temporary name and rename, so a failed link leaves no partial file.
  std::string tmpOutput = (outputPath + ".tmp").str();
  llvm::SmallVector<llvm::StringRef> args{*program, "-O2", "-fPIC", "-shared",
                                          "-o", tmpOutput, gluePath, objectPath, "-lm"};
  if (llvm::StringRef(*program).contains("clang"))
    args.insert(args.begin() + 1, "-fuse-ld=lld");
  // The glue too: its copies into the model's buffers are checked like the kernels.
  if (options.sanitizeAddress)
    args.insert(args.begin() + 1, "-fsanitize=address");
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(), logPath.str()};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(*program, args, std::nullopt, redirects, 0, 0, &execError);
  if (rc != 0) {
    auto log = llvm::MemoryBuffer::getFile(logPath);
    error = "linking '" + outputPath.str() + "' failed" +
            (execError.empty() ? "" : ": " + execError) +
            (log ? ":\n" + (*log)->getBuffer().str() : "");
    llvm::sys::fs::remove(tmpOutput);
    return failure();
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmpOutput, outputPath)) {
    error = "cannot write '" + outputPath.str() + "': " + ec.message();
    llvm::sys::fs::remove(tmpOutput);
    return failure();
  }
  return success();
}

} // namespace kiln::cpu
