//===- PluginLoader.cpp - Loads Kiln pass plugins into a host tool --------===//

#include "plugins/api/PluginLoader.h"

#include "kiln/PassPlugin.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/BinaryFormat/Magic.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdio>
#include <dlfcn.h>
#include <unistd.h>

using namespace llvm;

namespace kiln {

/// "22.1.8" -> "22.1": libMLIR.so's soname version, within which the C++ ABI holds.
static StringRef majorMinor(StringRef version) {
  size_t firstDot = version.find('.');
  if (firstDot == StringRef::npos)
    return version;
  return version.take_front(version.find('.', firstDot + 1));
}

bool loadPassPlugin(StringRef path, LoadedPlugin &plugin, std::string &error) {
  auto fail = [&](const Twine &why) {
    error = ("cannot load pass plugin '" + path + "': " + why).str();
    return false;
  };
  file_magic magic;
  if (std::error_code ec = identify_magic(path, magic))
    return fail(ec.message());
  if (magic != file_magic::elf_shared_object)
    return fail("not a shared library");

  // RTLD_NOW: an unresolved symbol fails here rather than at its first call.
  // RTLD_LOCAL: one plugin's symbols never bind another plugin's references.
  // The library is never closed: registered passes point into it.
  // dlopen searches the library path for a name without a '/': a plugin named as a
  // file ("plugin.so", the file identify_magic just read) is loaded as that file.
  std::string pathString = path.str();
  if (!path.contains('/'))
    pathString = "./" + pathString;
  void *handle = dlopen(pathString.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    StringRef why = dlerror();
    why.consume_front(pathString + ": ");
    return fail(why);
  }
  if (!dlsym(handle, "mlirGetPassPluginInfo"))
    return fail("missing entry point 'mlirGetPassPluginInfo' (not an MLIR pass plugin)");
  auto getInfo =
      reinterpret_cast<const PassPluginInfo *(*)()>(dlsym(handle, "kilnGetPassPluginInfo"));
  if (!getInfo)
    return fail("missing entry point 'kilnGetPassPluginInfo' (an MLIR pass plugin, but not "
                "built with KILN_PASS_PLUGIN from kiln/PassPlugin.h)");

  // Only the first two fields are read before the versions are known to match.
  const PassPluginInfo *info = getInfo();
  if (!info)
    return fail("kilnGetPassPluginInfo returned no plugin information");
  if (info->apiVersion != KILN_PASS_PLUGIN_API_VERSION)
    return fail("built for Kiln plugin API version " + Twine(info->apiVersion) +
                ", but this tool supports version " + Twine(KILN_PASS_PLUGIN_API_VERSION));
  StringRef pluginMlir = info->mlirVersion ? info->mlirVersion : "(none)";
  if (majorMinor(pluginMlir) != majorMinor(LLVM_VERSION_STRING))
    return fail("built against MLIR " + pluginMlir + ", but this tool uses MLIR " +
                LLVM_VERSION_STRING);
  if (!info->name || !info->version || !info->registerPlugin)
    return fail("incomplete plugin information (name, version or registration callback)");

  PluginRegistrar registrar;
  info->registerPlugin(registrar);
  if (!registrar.getErrors().empty()) {
    std::string reasons;
    for (const std::string &e : registrar.getErrors())
      reasons += (reasons.empty() ? "" : "; ") + e;
    return fail("plugin '" + Twine(info->name) + "': " + reasons);
  }
  registrar.commit();
  plugin.path = pathString;
  plugin.name = info->name;
  plugin.version = info->version;
  plugin.placements = registrar.getPlacements();
  plugin.options = registrar.getOptions();
  return true;
}

namespace {
/// Reaches the options a mlir::detail::PassOptions declares: they are registered in its
/// llvm::cl::SubCommand, a protected base, so only a derived class may name it.
struct PassOptionsAccess : mlir::detail::PassOptions {
  static llvm::cl::Option *find(mlir::detail::PassOptions &options, StringRef key) {
    auto &map = static_cast<llvm::cl::SubCommand &>(options).OptionsMap;
    auto it = map.find(key);
    return it == map.end() ? nullptr : it->second;
  }
  static std::vector<std::string> names(mlir::detail::PassOptions &options) {
    std::vector<std::string> keys;
    for (const auto &entry : static_cast<llvm::cl::SubCommand &>(options).OptionsMap)
      keys.push_back(entry.first.str());
    llvm::sort(keys);
    return keys;
  }
};

/// Runs `fn` with file descriptor 2 redirected to a temporary file and returns what was
/// written there. LLVM's option parsers report a bad value only by printing it to
/// llvm::errs() (cl::Option::error, unbuffered, fd 2) as "<tool>: for the --KEY option:
/// ..."; the host turns that into its own one-line error about the plugin option.
std::string captureStderr(function_ref<void()> fn) {
  errs().flush();
  std::FILE *capture = std::tmpfile();
  int saved = capture ? dup(STDERR_FILENO) : -1;
  if (saved < 0 || dup2(fileno(capture), STDERR_FILENO) < 0) {
    if (saved >= 0)
      close(saved);
    if (capture)
      std::fclose(capture);
    fn(); // cannot capture: the parser's own line goes to stderr as it is
    return "";
  }
  fn();
  errs().flush();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string text;
  std::rewind(capture);
  char buffer[512];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), capture)) > 0;)
    text.append(buffer, n);
  std::fclose(capture);
  return text;
}
} // namespace

std::vector<std::string> getPluginOptionNames(const LoadedPlugin &plugin) {
  if (!plugin.options)
    return {};
  return PassOptionsAccess::names(*plugin.options);
}

bool setPluginOption(LoadedPlugin &plugin, StringRef key, StringRef value, std::string &error) {
  llvm::cl::Option *option =
      plugin.options ? PassOptionsAccess::find(*plugin.options, key) : nullptr;
  if (!option) {
    std::vector<std::string> keys = getPluginOptionNames(plugin);
    error = ("plugin '" + plugin.name + "' has no option '" + key + "'; " +
             (keys.empty() ? std::string("it has no options")
                           : "its options: " + llvm::join(keys, ", ")))
                .str();
    return false;
  }
  bool failedToParse = false;
  std::string message =
      captureStderr([&] { failedToParse = llvm::cl::ProvidePositionalOption(option, value, 0); });
  if (!failedToParse)
    return true;
  // "<tool>: for the --KEY option: 'x' value invalid for ..." -> "'x' value invalid ..."
  StringRef why = StringRef(message).trim();
  StringRef marker = " option: ";
  if (size_t at = why.find(marker); at != StringRef::npos)
    why = why.drop_front(at + marker.size());
  error = ("plugin '" + plugin.name + "' option '" + key + "': bad value" +
           (why.empty() ? " '" + value + "'" : ": " + why))
              .str();
  return false;
}

std::string shippedPluginDirectory(const char *argv0, void *mainAddress) {
  SmallString<256> dir(sys::fs::getMainExecutable(argv0, mainAddress));
  sys::path::remove_filename(dir); // bin/
  sys::path::remove_filename(dir); // the prefix (install tree) or the build directory
  sys::path::append(dir, "lib", "kiln", "plugins");
  return std::string(dir);
}

std::vector<std::string> takePassPluginOptions(std::vector<char *> &args) {
  std::vector<std::string> paths;
  std::vector<char *> kept;
  for (size_t i = 0; i < args.size(); ++i) {
    StringRef arg = args[i] ? StringRef(args[i]) : StringRef();
    if (arg == "--") { // everything after is positional
      kept.insert(kept.end(), args.begin() + i, args.end());
      break;
    }
    StringRef name = arg;
    if (!name.consume_front("--"))
      name.consume_front("-");
    if (name.consume_front("load-pass-plugin")) {
      if (name.consume_front("=")) {
        paths.push_back(name.str());
        continue;
      }
      if (name.empty() && i + 1 < args.size() && args[i + 1]) {
        paths.push_back(args[++i]);
        continue;
      }
    }
    kept.push_back(args[i]);
  }
  args = std::move(kept);
  return paths;
}

} // namespace kiln
