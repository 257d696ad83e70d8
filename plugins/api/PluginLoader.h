//===- PluginLoader.h - Loads Kiln pass plugins into a host tool --*- C++ -*-===//
//
// The host side of kiln/PassPlugin.h, used by kilnc and kiln-opt. Unlike MLIR's own
// loader it never aborts: a file that is not a shared library, a library without the
// entry points, a plugin built for another plugin-API or MLIR version, and a pass name
// that is already registered each give an error message and nothing is registered.
// A loaded plugin's typed options are set here too (setPluginOption), with the same care:
// an unknown key or a bad value is a message, never an abort.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PLUGINS_API_PLUGINLOADER_H
#define KILN_PLUGINS_API_PLUGINLOADER_H

#include "kiln/PassPlugin.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kiln {

/// A plugin whose passes are now registered.
struct LoadedPlugin {
  std::string path;
  std::string name;
  std::string version;
  /// The pipelines the plugin asked to run at kilnc's extension points, in order; each
  /// is built from the plugin's option values when called.
  std::vector<PluginRegistrar::Placement> placements;
  /// The plugin's options (PluginRegistrar::runAt<OptionsT>), or null when it has none.
  std::shared_ptr<mlir::detail::PassOptions> options;
};

/// Loads the pass plugin at `path` and registers its passes. On failure returns false
/// and sets `error` to a message naming the file and the reason.
bool loadPassPlugin(llvm::StringRef path, LoadedPlugin &plugin, std::string &error);

/// The keys of `plugin`'s options, sorted; none when it declares no options.
std::vector<std::string> getPluginOptionNames(const LoadedPlugin &plugin);

/// Sets `plugin`'s option `key` to `value`, parsed by the option's own parser (an empty
/// value sets a bool option to true). On failure (no such option, a value the parser
/// refuses) returns false and sets `error` to a message naming the plugin, the key and
/// the reason, with the plugin's option keys when the key is unknown.
bool setPluginOption(LoadedPlugin &plugin, llvm::StringRef key, llvm::StringRef value,
                     std::string &error);

/// The directory that holds the shipped plugins: lib/kiln/plugins next to the bin/
/// directory of the running executable, in the install tree and the build tree alike.
/// `argv0` and `mainAddress` locate the executable (llvm::sys::fs::getMainExecutable).
std::string shippedPluginDirectory(const char *argv0, void *mainAddress);

/// Removes every `--load-pass-plugin=PATH` / `--load-pass-plugin PATH` (one or two
/// dashes) from `args` and returns the paths, in order. Lets kiln-opt load plugins
/// with this loader before MlirOptMain parses the remaining options.
std::vector<std::string> takePassPluginOptions(std::vector<char *> &args);

} // namespace kiln

#endif // KILN_PLUGINS_API_PLUGINLOADER_H
