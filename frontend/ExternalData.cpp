//===- ExternalData.cpp - Tensor data stored outside the model ------------===//
//
// External data names a file by a path the model's author chose, so it is
// untrusted input: a model must not be able to embed a file from outside its
// own folder (through "..", an absolute path or a symlink) into the compiled
// library, nor make the compiler read a FIFO or a device.
//
//===----------------------------------------------------------------------===//

#include "frontend/ExternalData.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace kiln::frontend {

/// True when `location` could name a file outside the model's folder by its
/// spelling alone: an absolute path, a root name (C:) or any ".." component.
/// Symlinks are caught later by comparing real paths.
static bool escapesBaseDir(StringRef location) {
  if (path::is_absolute(location) || path::has_root_name(location) ||
      path::has_root_directory(location))
    return true;
  for (auto it = path::begin(location), e = path::end(location); it != e; ++it)
    if (*it == "..")
      return true;
  return false;
}

/// True when the real path `file` lies inside the real path `dir`.
static bool isInside(StringRef file, StringRef dir) {
  auto f = path::begin(file), fe = path::end(file);
  for (auto d = path::begin(dir), de = path::end(dir); d != de; ++d, ++f)
    if (f == fe || *f != *d)
      return false;
  return f != fe; // The folder itself is not a file inside it.
}

FailureOr<std::unique_ptr<llvm::MemoryBuffer>> loadExternalData(const onnxpb::TensorProto &tensor,
                                                                uint64_t expectedBytes,
                                                                const ImportEnv &env,
                                                                const ErrorSite &site) {
  auto fail = [&]() {
    return site.emit() << "external data of tensor '" << tensor.name() << "' in '" << env.sourceName
                       << "': ";
  };
  std::string location;
  bool hasLength = false;
  uint64_t offset = 0, length = 0;
  for (const auto &entry : tensor.external_data()) {
    StringRef key = entry.key(), value = entry.value();
    // getAsInteger refuses signs and values past 2^64 - 1.
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
  if (location.find('\0') != std::string::npos)
    return fail() << "location contains a NUL character", failure();
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
  SmallString<256> realBase, realFile;
  if (std::error_code ec = fs::real_path(env.baseDir, realBase))
    return fail() << "cannot resolve the model's directory '" << env.baseDir
                  << "': " << ec.message(),
           failure();
  if (std::error_code ec = fs::real_path(fullPath, realFile))
    return fail() << "cannot open '" << fullPath << "': " << ec.message(), failure();
  // As ONNX Runtime: the file a symlink leads to must still be in the folder.
  if (!isInside(realFile, realBase))
    return fail() << "location '" << location << "' escapes the model directory '" << realBase
                  << "' (it resolves to '" << realFile << "')",
           failure();
  fs::file_status status;
  if (std::error_code ec = fs::status(realFile, status))
    return fail() << "cannot open '" << fullPath << "': " << ec.message(), failure();
  if (status.type() != fs::file_type::regular_file)
    return fail() << "'" << fullPath << "' is not a regular file", failure();

  uint64_t fileSize = status.getSize();
  if (offset > fileSize)
    return fail() << "offset " << offset << " is past the end of '" << fullPath << "' (" << fileSize
                  << " bytes)",
           failure();
  if (hasLength && length > fileSize - offset)
    return fail() << "range [" << offset << ", " << offset << "+" << length
                  << ") is out of bounds of '" << fullPath << "' (" << fileSize << " bytes)",
           failure();
  if (!hasLength)
    length = fileSize - offset;
  // Checked before reading: a short tensor must not map a huge file.
  if (hasLength && length != expectedBytes)
    return fail() << "length " << length << " does not match the " << expectedBytes
                  << " bytes the tensor's shape needs",
           failure();
  if (length != expectedBytes)
    return fail() << "'" << fullPath << "' holds " << length << " bytes from offset " << offset
                  << " but the tensor's shape needs " << expectedBytes,
           failure();
  if (length == 0)
    return llvm::MemoryBuffer::getMemBuffer("", fullPath,
                                            /*RequiresNullTerminator=*/false);
  auto buffer = llvm::MemoryBuffer::getFileSlice(realFile, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer)
    return fail() << "cannot read '" << fullPath << "': " << buffer.getError().message(), failure();
  return std::move(*buffer);
}

} // namespace kiln::frontend
