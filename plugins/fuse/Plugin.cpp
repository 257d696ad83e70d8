//===- Plugin.cpp - The fusion plugin's entry point -------------------------===//
//
// Registers the graph-level fusion passes and runs them, in kilnc, right after import
// (after the built-in upgrades, shape inference and kiln-fold-constants, so weights and
// shapes are literal). Each fusion can be switched off with
// `kilnc --plugin-opt=kiln-fuse:<fusion>=false`.

#include "plugins/fuse/Passes.h"

#include "kiln/PassPlugin.h"

namespace kiln::fuse {
/// The plugin's options: which fusions run (all by default).
struct FuseOptions : mlir::PassPipelineOptions<FuseOptions> {
  Option<bool> convBn{*this, "conv-bn",
                      llvm::cl::desc("Fold BatchNormalization and per-channel Mul into Conv "
                                     "(kiln-fold-conv-bn)"),
                      llvm::cl::init(true)};
  Option<bool> layerNorm{*this, "layer-norm",
                         llvm::cl::desc("Recognize decomposed LayerNorm "
                                        "(kiln-fuse-layer-norm)"),
                         llvm::cl::init(true)};
  Option<bool> gelu{*this, "gelu", llvm::cl::desc("Recognize decomposed GELU (kiln-fuse-gelu)"),
                    llvm::cl::init(true)};
  Option<bool> bias{*this, "bias",
                    llvm::cl::desc("Fold constant bias additions into Conv and Gemm "
                                   "(kiln-fuse-bias)"),
                    llvm::cl::init(true)};
  Option<bool> attention{*this, "attention",
                         llvm::cl::desc("Recognize scaled dot-product attention "
                                        "(kiln-fuse-attention)"),
                         llvm::cl::init(true)};
};

/// Fold BatchNorm into Conv, recognize LayerNorm and GELU (so a Gelu after a
/// contraction counts as its activation), fold biases into the contractions, recognize
/// attention, and fold (the built-in pass) the masks the attention rewrite leaves.
static std::string buildPipeline(const FuseOptions &o) {
  std::string pipeline;
  auto add = [&](bool enabled, const char *passes) {
    if (enabled)
      pipeline += (pipeline.empty() ? "" : ",") + std::string(passes);
  };
  add(o.convBn, "kiln-fold-conv-bn");
  add(o.layerNorm, "kiln-fuse-layer-norm");
  add(o.gelu, "kiln-fuse-gelu");
  add(o.bias, "kiln-fuse-bias");
  add(o.attention, "kiln-fuse-attention,kiln-fold-constants");
  return pipeline;
}
} // namespace kiln::fuse

KILN_PASS_PLUGIN("kiln-fuse", "0.2", [](kiln::PluginRegistrar &r) {
  r.addPass(kiln::fuse::createFoldConvBn);
  r.addPass(kiln::fuse::createFuseBias);
  r.addPass(kiln::fuse::createFuseLayerNorm);
  r.addPass(kiln::fuse::createFuseGelu);
  r.addPass(kiln::fuse::createFuseAttention);
  r.runAt<kiln::fuse::FuseOptions>(kiln::ExtensionPoint::AfterImport, kiln::fuse::buildPipeline);
})
