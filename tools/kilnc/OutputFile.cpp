//===- OutputFile.cpp - kilnc's output files ------------------------------===//

#include "tools/kilnc/OutputFile.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace kiln {

bool checkOutputIsNotAnInput(StringRef output, ArrayRef<std::string> inputs, std::string &error) {
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

std::unique_ptr<OutputFile> OutputFile::create(StringRef path, std::string &error) {
  auto cannotWrite = [&](const Twine &why) {
    error = ("cannot write '" + path + "': " + why).str();
    return nullptr;
  };
  std::unique_ptr<OutputFile> out(new OutputFile(path.str()));
  sys::fs::file_status status;
  bool exists = path != "-" && !sys::fs::status(path, status); // follows symlinks
  if (exists && sys::fs::is_directory(status))
    return cannotWrite("it is a directory");
  if (path == "-" || (exists && !sys::fs::is_regular_file(status))) {
    // Renaming over stdout or a device (/dev/null) would replace it: write those
    // directly. Errors still come back through commit().
    std::error_code ec;
    out->os = std::make_unique<raw_fd_ostream>(path, ec, sys::fs::OF_None);
    if (ec)
      return cannotWrite(ec.message());
    return out;
  }
  // Beside the output, so the rename stays on one file system; an absolute name,
  // because the signal handler removes it by that name.
  SmallString<128> model(path);
  if (std::error_code ec = sys::fs::make_absolute(model))
    return cannotWrite(ec.message());
  model += ".kilnc-%%%%%%%%.tmp";
  Expected<sys::fs::TempFile> temp = sys::fs::TempFile::create(model);
  if (!temp)
    return cannotWrite("cannot create a temporary file: " + toString(temp.takeError()));
  out->temp.emplace(std::move(*temp));
  out->os = std::make_unique<raw_fd_ostream>(out->temp->FD, /*shouldClose=*/false);
  return out;
}

bool OutputFile::commit(std::string &error) {
  done = true;
  // Closing a device reports what it deferred; stdout stays open for others.
  if (!temp && path != "-")
    os->close();
  else
    os->flush();
  if (std::error_code ec = os->error()) {
    error = "cannot write '" + path + "': " + ec.message();
    os->clear_error(); // else its destructor reports a fatal error
    if (temp)
      consumeError(temp->discard());
    return false;
  }
  if (!temp)
    return true;
  os.reset();
  if (Error kept = temp->keep(path)) {
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
