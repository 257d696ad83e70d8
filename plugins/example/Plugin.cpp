//===- Plugin.cpp - The example plugin's entry point ----------------------===//
//
// Registers the plugin's passes and asks kilnc to run them right after import.

#include "Passes.h"

#include "kiln/PassPlugin.h"

KILN_PASS_PLUGIN("kiln-example", "0.1", [](kiln::PluginRegistrar &r) {
  r.addPass(kiln::example::createRemoveIdentity);
  r.runAt(kiln::ExtensionPoint::AfterImport, "func.func(kiln-example-remove-identity)");
})
