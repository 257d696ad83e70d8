//===- OutputFile.cpp - kilnc's output files ------------------------------===//

#include "tools/kilnc/OutputFile.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace kiln {

bool checkOutputIsNotAnInput(StringRef output, ArrayRef<std::string> inputs,
                             std::string &error) {
  if (output == "-")
    return true;
  for (const std::string &input : inputs) {
    // equivalent() compares device and inode after following symlinks; it fails when
    // either path does not exist, and then they cannot be one file.
    bool same = false;
    if (!sys::fs::equivalent(output, input, same) && same) {
      error = ("output '" + output + "' is the same file as '" + input +
               "', which kilnc reads; give another -o")
                  .str();
      return false;
    }
  }
  return true;
}

std::unique_ptr<OutputFile> OutputFile::create(StringRef path, Writer writer,
                                               std::string &error) {
  auto cannotWrite = [&](const Twine &why) {
    error = ("cannot write '" + path + "': " + why).str();
    return nullptr;
  };
  std::unique_ptr<OutputFile> out(new OutputFile(path.str(), writer));
  sys::fs::file_status status;
  bool exists = path != "-" && !sys::fs::status(path, status); // follows symlinks
  if (exists && sys::fs::is_directory(status))
    return cannotWrite("it is a directory");
  // Renaming over stdout or a device (/dev/null) would replace it: write those
  // directly. Errors still come back through commit().
  out->direct = path == "-" || (exists && !sys::fs::is_regular_file(status));

  SmallString<128> model;
  if (out->direct) {
    std::error_code ec;
    out->os = std::make_unique<raw_fd_ostream>(path, ec, sys::fs::OF_None);
    if (ec)
      return cannotWrite(ec.message());
    if (writer == Writer::Stream)
      return out;
    // A tool writes a file; commit() copies it into the direct output.
    sys::path::system_temp_directory(/*ErasedOnReboot=*/true, model);
    sys::path::append(model, "kilnc-output-%%%%%%%%");
  } else {
    // Beside the output, so the rename stays on one file system. An absolute name,
    // because the signal handler removes it by that name.
    model = path;
    if (std::error_code ec = sys::fs::make_absolute(model))
      return cannotWrite(ec.message());
    model += ".kilnc-%%%%%%%%.tmp";
  }
  Expected<sys::fs::TempFile> temp = sys::fs::TempFile::create(model);
  if (!temp)
    return cannotWrite("cannot create a temporary file: " + toString(temp.takeError()));
  out->temp.emplace(std::move(*temp));
  if (!out->direct && writer == Writer::Stream)
    out->os = std::make_unique<raw_fd_ostream>(out->temp->FD, /*shouldClose=*/false);
  return out;
}

bool OutputFile::commit(std::string &error) {
  done = true;
  auto fail = [&](const Twine &why) {
    error = ("cannot write '" + path + "': " + why).str();
    if (os)
      os->clear_error(); // else its destructor reports a fatal error
    if (temp)
      consumeError(temp->discard());
    temp.reset();
    return false;
  };
  if (writer == Writer::Tool && direct) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> content =
        MemoryBuffer::getFile(temp->TmpName, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!content)
      return fail(content.getError().message());
    *os << (*content)->getBuffer();
  }
  if (os) {
    // Closing a device reports what it deferred; stdout stays open for others.
    if (direct && path != "-")
      os->close();
    else
      os->flush();
    if (os->has_error())
      return fail(os->error().message());
  }
  if (direct) {
    if (temp)
      consumeError(temp->discard());
    temp.reset();
    return true;
  }
  os.reset();
  Error kept = temp->keep(path);
  temp.reset();
  if (kept) {
    error = "cannot write '" + path + "': " + toString(std::move(kept));
    return false;
  }
  return true;
}

OutputFile::~OutputFile() {
  if (done)
    return;
  if (os) {
    // Whatever is buffered goes nowhere useful; drop its errors so the stream's
    // destructor does not turn them into a fatal error.
    os->flush();
    os->clear_error();
    os.reset();
  }
  if (temp)
    consumeError(temp->discard());
}

} // namespace kiln
