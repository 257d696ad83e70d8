//===- ExternalData.cpp - Tensor data stored outside the model ------------===//

#include "frontend/ExternalData.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
namespace path = llvm::sys::path;

namespace kiln::frontend {

/// True when `location` could name a file outside the model's folder: an
/// absolute path, a root name (C:) or any ".." component.
static bool escapesBaseDir(StringRef location) {
  if (path::is_absolute(location) || path::has_root_name(location) ||
      path::has_root_directory(location))
    return true;
  for (auto it = path::begin(location), e = path::end(location); it != e; ++it)
    if (*it == "..")
      return true;
  return false;
}

FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
loadExternalData(const onnxpb::TensorProto &tensor, const ImportEnv &env, const ErrorSite &site) {
  auto fail = [&]() {
    return site.emit() << "external data of tensor '" << tensor.name() << "' in '" << env.sourceName
                       << "': ";
  };
  std::string location;
  bool hasLength = false;
  uint64_t offset = 0, length = 0;
  for (const auto &entry : tensor.external_data()) {
    StringRef key = entry.key(), value = entry.value();
    if (key == "location") {
      location = value.str();
    } else if (key == "offset") {
      if (value.getAsInteger(10, offset))
        return fail() << "invalid offset '" << value << "'", failure();
    } else if (key == "length") {
      hasLength = true;
      if (value.getAsInteger(10, length))
        return fail() << "invalid length '" << value << "'", failure();
    }
    // "checksum" and unknown keys are informational.
  }
  if (location.empty())
    return fail() << "no 'location' entry", failure();
  if (env.baseDir.empty())
    return fail() << "external data file '" << location
                  << "' cannot be resolved: the model was not loaded from a "
                     "file and no base directory was given",
           failure();
  if (escapesBaseDir(location))
    return fail() << "location '" << location
                  << "' must be a relative path inside the model's directory",
           failure();

  SmallString<256> fullPath(env.baseDir);
  path::append(fullPath, location);
  uint64_t fileSize = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(fullPath, fileSize))
    return fail() << "cannot open '" << fullPath << "': " << ec.message(), failure();
  if (offset > fileSize)
    return fail() << "offset " << offset << " is past the end of '" << fullPath << "' (" << fileSize
                  << " bytes)",
           failure();
  if (!hasLength)
    length = fileSize - offset;
  if (length > fileSize - offset)
    return fail() << "range [" << offset << ", " << offset << "+" << length
                  << ") is out of bounds of '" << fullPath << "' (" << fileSize << " bytes)",
           failure();
  if (length == 0)
    return llvm::MemoryBuffer::getMemBuffer("", fullPath,
                                            /*RequiresNullTerminator=*/false);
  auto buffer = llvm::MemoryBuffer::getFileSlice(fullPath, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer)
    return fail() << "cannot read '" << fullPath << "': " << buffer.getError().message(), failure();
  return std::move(*buffer);
}

} // namespace kiln::frontend
