//===- Plugin.cpp - The layout plugin's entry point -------------------------===//
//
// Registers the layout passes and runs them, in kilnc, after import (after kiln-fuse,
// which comes first in KILN_SHIPPED_PLUGINS).

#include "plugins/layout/Passes.h"

#include "kiln/PassPlugin.h"

KILN_PASS_PLUGIN("kiln-layout", "0.1", [](kiln::PluginRegistrar &r) {
  r.addPass(kiln::layout::createConvertLayoutNhwc);
  r.addPass(kiln::layout::createSinkTransposes);
  r.addPass(kiln::layout::createRevertLoneConvs);
  r.runAt(kiln::ExtensionPoint::AfterImport, kiln::layout::kLayoutPipeline);
})
