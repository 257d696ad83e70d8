//===- PassPlugin.h - Kiln's pass-plugin API ----------------------*- C++ -*-===//
//
// A Kiln pass plugin is a shared library built with kiln_add_pass_plugin (CMake) that
// contains one KILN_PASS_PLUGIN:
//
//   #include "kiln/PassPlugin.h"
//
//   struct Options : mlir::PassPipelineOptions<Options> {    // optional: typed options
//     Option<bool> keepOutputs{*this, "keep-outputs", llvm::cl::desc("..."),
//                              llvm::cl::init(false)};
//   };
//
//   KILN_PASS_PLUGIN("kiln-example", "0.2", [](kiln::PluginRegistrar &r) {
//     r.addPass([] { return kiln::example::createRemoveIdentity(); }); // or addPass<MyPass>()
//     r.runAt<Options>(kiln::ExtensionPoint::AfterImport, [](const Options &o) {
//       return std::string("func.func(kiln-example-remove-identity{keep-outputs=") +
//              (o.keepOutputs ? "true" : "false") + "})";
//     });                 // or r.runAt(point, "func.func(...)") for a fixed pipeline
//   })
//
// Load it with `kilnc --load-pass-plugin=P.so` or `kiln-opt --load-pass-plugin=P.so`.
// `kilnc --plugin-opt=kiln-example:keep-outputs=true` sets an option: kilnc checks the
// key and parses the value with the option's own parser (an unknown plugin, key or a bad
// value is an error), then builds the runAt pipelines from the values.
//
// The macro exports two entry points:
//   - kilnGetPassPluginInfo: what Kiln's loader reads. Its first two fields (the Kiln
//     plugin-API version and the LLVM/MLIR version the plugin was compiled against) never
//     move, so the loader checks them before it calls anything else in the plugin.
//   - mlirGetPassPluginInfo: MLIR's own entry, so plain `mlir-opt --load-pass-plugin`
//     loads the plugin too (without Kiln's checks).
//
// Passes are not registered while the plugin's callback runs: PluginRegistrar collects
// them, refuses a pass whose name is already registered (MLIR itself would abort), and the
// loader registers them only when the whole plugin loaded cleanly.
//
// Linking: a plugin links libKiln.so (Kiln's dialects, passes and backend) and libMLIR.so,
// the very libraries kilnc and kiln-opt link, so op classes such as kiln::onnxir::IdentityOp
// and their TypeIDs are the host's. Never link a static copy of MLIR or of Kiln's libraries
// into a plugin. Define pass classes in a named namespace (or give them an explicit TypeID):
// MLIR names implicit TypeIDs by the class name, and two plugins' `(anonymous namespace)::Pass`
// would collide.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSPLUGIN_H
#define KILN_PASSPLUGIN_H

#include "kiln/ExtensionPoint.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

/// Bumped whenever PassPluginInfo or PluginRegistrar changes; the loader refuses a plugin
/// built against another version. 2: typed options (runAt<OptionsT>), placements built
/// from them.
#define KILN_PASS_PLUGIN_API_VERSION 2

namespace kiln {

/// Collects what a plugin contributes; the host registers it once every check passed.
class PluginRegistrar {
public:
  using PassFactory = std::function<std::unique_ptr<mlir::Pass>()>;

  /// Adds the pass `create` builds, under its getArgument(). A pass name that MLIR or
  /// another plugin already registered is an error (reported by the loader).
  void addPass(PassFactory create) {
    std::unique_ptr<mlir::Pass> pass = create();
    std::string arg = pass ? pass->getArgument().str() : std::string();
    if (arg.empty()) {
      errors.push_back("a pass has no argument (name) to register it under");
      return;
    }
    bool ownDuplicate = false;
    for (const Entry &e : passes)
      ownDuplicate |= e.argument == arg;
    if (ownDuplicate || mlir::PassInfo::lookup(arg) || mlir::PassPipelineInfo::lookup(arg)) {
      errors.push_back("pass '" + arg + "' is already registered");
      return;
    }
    passes.push_back({std::move(arg), std::move(create)});
  }

  /// Adds a default-constructible pass.
  template <typename PassT> void addPass() {
    addPass([] { return std::unique_ptr<mlir::Pass>(std::make_unique<PassT>()); });
  }

  /// Asks kilnc to run the textual `pipeline` (module level, e.g. "func.func(my-pass)")
  /// at `point` of its default pipeline whenever this plugin is loaded into kilnc.
  void runAt(ExtensionPoint point, std::string pipeline) {
    placements.push_back({point, [pipeline = std::move(pipeline)] { return pipeline; }});
  }

  /// Like runAt(point, pipeline), with the pipeline built by `build(const OptionsT &)`
  /// (returning a std::string) from the plugin's options once kilnc has set them from
  /// `--plugin-opt=NAME:KEY=VALUE`. OptionsT, the plugin's options, derives from
  /// mlir::PassPipelineOptions<OptionsT> and declares each option as an Option<T> or
  /// ListOption<T> member: the option's argument is the KEY, its cl::desc the help,
  /// its cl::init the default. A plugin has one OptionsT; every runAt<OptionsT> of the
  /// plugin sees the same values.
  template <typename OptionsT, typename BuildFn> void runAt(ExtensionPoint point, BuildFn build) {
    static_assert(std::is_base_of_v<mlir::detail::PassOptions, OptionsT>,
                  "plugin options derive from mlir::PassPipelineOptions<OptionsT>");
    std::shared_ptr<OptionsT> opts = getOrCreateOptions<OptionsT>();
    if (!opts)
      return;
    placements.push_back(
        {point, [opts, build = std::move(build)]() -> std::string { return build(*opts); }});
  }

  //===--- Host side: used by Kiln's loader, not by plugins ---------------===//

  struct Entry {
    std::string argument;
    PassFactory create;
  };
  /// A pipeline for an extension point, built when the host asks for it.
  struct Placement {
    ExtensionPoint point;
    std::function<std::string()> pipeline;
  };
  const std::vector<Entry> &getPasses() const { return passes; }
  const std::vector<Placement> &getPlacements() const { return placements; }
  /// The plugin's options (the OptionsT of its runAt<OptionsT>), or null.
  const std::shared_ptr<mlir::detail::PassOptions> &getOptions() const { return options; }
  const std::vector<std::string> &getErrors() const { return errors; }

  /// Registers the collected passes with MLIR; registers nothing when there were errors.
  bool commit() const {
    if (!errors.empty())
      return false;
    for (const Entry &e : passes)
      mlir::registerPass(e.create);
    return true;
  }

private:
  /// The plugin's one options object, created by its first runAt<OptionsT>.
  template <typename OptionsT> std::shared_ptr<OptionsT> getOrCreateOptions() {
    static const char key = 0; // one address per OptionsT
    if (!options) {
      auto created = std::make_shared<OptionsT>();
      options = created;
      typedOptions = created;
      optionsKey = &key;
      return created;
    }
    if (optionsKey != &key) {
      errors.push_back("runAt is given two different options types (a plugin has one)");
      return nullptr;
    }
    return std::static_pointer_cast<OptionsT>(typedOptions);
  }

  std::vector<Entry> passes;
  std::vector<Placement> placements;
  std::shared_ptr<mlir::detail::PassOptions> options; ///< the object typedOptions holds
  std::shared_ptr<void> typedOptions;                 ///< the same object, as its OptionsT
  const void *optionsKey = nullptr;                   ///< which OptionsT it is
  std::vector<std::string> errors;
};

/// What kilnGetPassPluginInfo returns. The first two fields stay first in every version.
struct PassPluginInfo {
  uint32_t apiVersion;     ///< KILN_PASS_PLUGIN_API_VERSION the plugin was built with
  const char *mlirVersion; ///< LLVM_VERSION_STRING the plugin was built with
  const char *name;
  const char *version;
  void (*registerPlugin)(PluginRegistrar &);
};

namespace detail {
/// mlirGetPassPluginInfo's callback (plain mlir-opt): register directly, report errors.
inline void registerWithMlir(const char *name, void (*registerPlugin)(PluginRegistrar &)) {
  PluginRegistrar registrar;
  registerPlugin(registrar);
  for (const std::string &error : registrar.getErrors())
    llvm::errs() << "error: pass plugin '" << name << "': " << error << "\n";
  registrar.commit();
}
} // namespace detail
} // namespace kiln

#define KILN_PASS_PLUGIN_EXPORT extern "C" __attribute__((visibility("default"), used))

/// Defines the plugin's entry points. NAME and VERSION are string literals; the last
/// argument is a callable taking `kiln::PluginRegistrar &`.
#define KILN_PASS_PLUGIN(NAME, VERSION, ...)                                                       \
  static void kilnPassPluginRegister(::kiln::PluginRegistrar &registrar) {                         \
    (__VA_ARGS__)(registrar);                                                                      \
  }                                                                                                \
  KILN_PASS_PLUGIN_EXPORT const ::kiln::PassPluginInfo *kilnGetPassPluginInfo() {                  \
    static const ::kiln::PassPluginInfo info = {KILN_PASS_PLUGIN_API_VERSION, LLVM_VERSION_STRING, \
                                                NAME, VERSION, &kilnPassPluginRegister};           \
    return &info;                                                                                  \
  }                                                                                                \
  KILN_PASS_PLUGIN_EXPORT ::mlir::PassPluginLibraryInfo mlirGetPassPluginInfo() {                  \
    return {MLIR_PLUGIN_API_VERSION, NAME, VERSION,                                                \
            [] { ::kiln::detail::registerWithMlir(NAME, &kilnPassPluginRegister); }};              \
  }

#endif // KILN_PASSPLUGIN_H
