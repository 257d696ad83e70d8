//===- Plugins.cpp - kilnc's pass plugins and extension points ------------===//

#include "tools/kilnc/Plugins.h"

#include "backends/target/Target.h"
#include "plugins/api/PluginLoader.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace kiln {

/// The plugins Kiln ships, generated from KILN_SHIPPED_PLUGINS.
static const char *const kShippedPlugins[] = {
#include "plugins/ShippedPlugins.inc"
    nullptr};

/// Appends `pipeline` to the point's pipeline after checking that it parses.
static bool addExtension(std::map<ExtensionPoint, std::string> &extensions, ExtensionPoint point,
                         StringRef pipeline, const Twine &origin, std::string &error) {
  mlir::OpPassManager check("builtin.module");
  std::string parseError;
  raw_string_ostream os(parseError);
  if (failed(mlir::parsePassPipeline(pipeline, check, os))) {
    error = (origin + ": bad pipeline '" + pipeline + "' for " + toString(point) + ": " +
             StringRef(parseError).trim())
                .str();
    return false;
  }
  std::string &text = extensions[point];
  text += (text.empty() ? "" : ",") + pipeline.str();
  return true;
}

/// Applies one --plugin-opt=NAME:KEY[=VALUE] to the loaded plugins named NAME.
static bool setOption(StringRef spec, MutableArrayRef<LoadedPlugin> plugins,
                      const PluginSetup &setup, std::string &error) {
  auto fail = [&](const Twine &why) {
    error = ("--plugin-opt=" + spec + ": " + why).str();
    return false;
  };
  auto [name, assignment] = spec.split(':');
  auto [key, value] = assignment.split('=');
  if (name.empty() || key.empty())
    return fail("expected NAME:KEY=VALUE (NAME a loaded plugin, KEY one of its options)");
  bool found = false;
  for (LoadedPlugin &plugin : plugins) {
    if (plugin.name != name)
      continue;
    found = true;
    if (!setPluginOption(plugin, key, value, error))
      return fail(error);
  }
  if (found)
    return true;
  if (llvm::is_contained(ArrayRef(kShippedPlugins).drop_back(), name))
    return fail("plugin '" + name + "' is not loaded (" +
                (setup.optLevel == 0 ? "-O0 loads no shipped plugin"
                                     : "it is disabled with --disable-plugin") +
                ")");
  std::string loaded;
  for (const LoadedPlugin &plugin : plugins)
    loaded += (loaded.empty() ? "" : ", ") + plugin.name;
  return fail("no plugin '" + name +
              "' is loaded (loaded: " + (loaded.empty() ? std::string("none") : loaded) + ")");
}

bool setUpPlugins(const PluginSetup &setup, std::map<ExtensionPoint, std::string> &extensions,
                  std::string &error) {
  // The pipeline's own passes first: a plugin may not take one of their names.
  registerPipelinePasses();
  registerAllTargets();
  for (StringRef name : setup.disabledPlugins)
    if (llvm::none_of(ArrayRef(kShippedPlugins).drop_back(),
                      [&](const char *shipped) { return name == shipped; })) {
      error = ("--disable-plugin=" + name + ": not a shipped pass plugin").str();
      return false;
    }
  std::vector<LoadedPlugin> plugins;
  auto load = [&](StringRef path) {
    plugins.emplace_back();
    return loadPassPlugin(path, plugins.back(), error);
  };
  if (setup.optLevel > 0) {
    std::string dir = shippedPluginDirectory(setup.argv0, setup.mainAddress);
    for (const char *const *name = kShippedPlugins; *name; ++name) {
      if (llvm::is_contained(setup.disabledPlugins, *name))
        continue;
      SmallString<256> path(dir);
      sys::path::append(path, Twine(*name) + ".so");
      if (!sys::fs::exists(path)) {
        error = ("shipped pass plugin '" + Twine(*name) + "' not found: looked for " + path +
                 " (use -O0 to compile without the shipped plugins)")
                    .str();
        return false;
      }
      if (!load(path))
        return false;
    }
  }
  for (const std::string &path : setup.userPlugins)
    if (!load(path))
      return false;
  for (StringRef spec : setup.pluginOptions)
    if (!setOption(spec, plugins, setup, error))
      return false;
  for (const LoadedPlugin &plugin : plugins)
    for (const PluginRegistrar::Placement &placement : plugin.placements) {
      std::string pipeline = placement.pipeline();
      if (!pipeline.empty() && !addExtension(extensions, placement.point, pipeline,
                                             "pass plugin '" + plugin.name + "'", error))
        return false;
    }
  for (StringRef spec : setup.extensionSpecs) {
    auto [name, pipeline] = spec.split(':');
    std::optional<ExtensionPoint> point = parseExtensionPoint(name);
    if (!point || pipeline.empty()) {
      std::string points;
      for (ExtensionPoint p : kExtensionPoints)
        points += (points.empty() ? "" : ", ") + toString(p).str();
      error = ("--kiln-extension=" + spec + ": expected POINT:PIPELINE with POINT one of " + points)
                  .str();
      return false;
    }
    if (!addExtension(extensions, *point, pipeline, "--kiln-extension", error))
      return false;
  }
  return true;
}

} // namespace kiln
