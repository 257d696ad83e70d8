//===- Plugin.cpp - The example plugin's entry point ----------------------===//
//
// Registers the plugin's passes and asks kilnc to run them right after import, with
// the plugin's options (kilnc --plugin-opt=kiln-example:KEY=VALUE) in the pipeline.

#include "Passes.h"

#include "kiln/PassPlugin.h"

namespace kiln::example {
/// The plugin's options: each Option's argument is a KEY of
/// `kilnc --plugin-opt=kiln-example:KEY=VALUE`, parsed and checked as its type.
struct PluginOptions : mlir::PassPipelineOptions<PluginOptions> {
  Option<bool> keepOutputs{
      *this, "keep-outputs",
      llvm::cl::desc("Keep an Identity whose result is a graph output (the pass's "
                     "keep-outputs option)"),
      llvm::cl::init(false)};
};
} // namespace kiln::example

KILN_PASS_PLUGIN("kiln-example", "0.2", [](kiln::PluginRegistrar &r) {
  // A lambda: a pass with options has two create functions (with and without them).
  r.addPass([] { return kiln::example::createRemoveIdentity(); });
  // The pipeline is built once kilnc has set the options.
  r.runAt<kiln::example::PluginOptions>(
      kiln::ExtensionPoint::AfterImport, [](const kiln::example::PluginOptions &o) {
        return std::string("func.func(kiln-example-remove-identity{keep-outputs=") +
               (o.keepOutputs ? "true" : "false") + "})";
      });
})
