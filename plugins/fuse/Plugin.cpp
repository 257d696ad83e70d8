//===- Plugin.cpp - The fusion plugin's entry point -------------------------===//
//
// Registers the graph-level fusion passes and runs them, in kilnc, right after import.

#include "plugins/fuse/Passes.h"

#include "kiln/PassPlugin.h"

KILN_PASS_PLUGIN("kiln-fuse", "0.1", [](kiln::PluginRegistrar &r) {
  r.addPass(kiln::fuse::createFoldConvBn);
  r.addPass(kiln::fuse::createFuseBias);
  r.addPass(kiln::fuse::createFuseLayerNorm);
  r.addPass(kiln::fuse::createFuseGelu);
  r.addPass(kiln::fuse::createFuseAttention);
  r.runAt(kiln::ExtensionPoint::AfterImport, kiln::fuse::kFusePipeline);
})
