//===- Plugins.h - kilnc's pass plugins and extension points -----*- C++ -*-===//
//
// At -O1 and above kilnc loads the plugins Kiln ships (plugins/CMakeLists.txt,
// KILN_SHIPPED_PLUGINS) from lib/kiln/plugins beside its bin/ directory; at -O0 none.
// Plugins named with --load-pass-plugin load at every level. Each
// --plugin-opt=NAME:KEY=VALUE then sets an option of the loaded plugin NAME, and each
// plugin's runAt() placements, built from its option values, then each
// --kiln-extension=POINT:PIPELINE, run at their extension points.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILNC_PLUGINS_H
#define KILN_TOOLS_KILNC_PLUGINS_H

#include "kiln/ExtensionPoint.h"

#include "llvm/ADT/ArrayRef.h"

#include <map>
#include <string>

namespace kiln {

struct PluginSetup {
  const char *argv0;
  void *mainAddress;
  unsigned optLevel;
  llvm::ArrayRef<std::string> userPlugins;     ///< --load-pass-plugin paths
  llvm::ArrayRef<std::string> extensionSpecs;  ///< --kiln-extension values
  llvm::ArrayRef<std::string> disabledPlugins; ///< --disable-plugin names (shipped ones)
  llvm::ArrayRef<std::string> pluginOptions;   ///< --plugin-opt values (NAME:KEY=VALUE)
};

/// Loads the plugins and collects the pipelines for each extension point into
/// `extensions`. On failure returns false with `error` set.
bool setUpPlugins(const PluginSetup &setup, std::map<ExtensionPoint, std::string> &extensions,
                  std::string &error);

} // namespace kiln

#endif // KILN_TOOLS_KILNC_PLUGINS_H
