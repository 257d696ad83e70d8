//===- Importer.cpp - ONNX model -> MLIR onnx dialect ---------------------===//
//
// Driver: bytes/text -> ModelProto -> function inlining -> libonnx passes ->
// module with func.func @main -> verifier.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importer.h"
#include "frontend/TopologicalSort.h"

#include "frontend/FunctionInliner.h"
#include "frontend/GraphImporter.h"
#include "frontend/ImportEnv.h"
#include "frontend/ModelLoader.h"
#include "frontend/ModuleChecks.h"
#include "frontend/Validation.h"
#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace kiln::frontend {
namespace {

void loadDialects(MLIRContext &ctx) {
  ctx.getOrLoadDialect<onnxir::ONNXDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
}

/// Reads the opset imports; a domain listed twice is an error because the
/// model would be ambiguous.
LogicalResult collectOpsets(const onnxpb::ModelProto &model, const ImportEnv &env,
                            OpsetMap &opsets) {
  for (const auto &opset : model.opset_import()) {
    StringRef domain = normalizeDomain(opset.domain());
    if (!opsets.try_emplace(domain, opset.version()).second)
      return env.fileError() << "'" << env.sourceName << "' imports domain '" << domain
                             << "' twice",
             failure();
  }
  if (opsets.empty())
    return env.fileError() << "'" << env.sourceName << "' has no opset_import", failure();
  return success();
}

/// The module for `model` as it stands: func.func @main and the model's
/// metadata, verified. Null (errors emitted) on failure.
OwningOpRef<ModuleOp> buildModule(const onnxpb::ModelProto &model, ImportEnv &env) {
  OpsetMap opsets;
  if (failed(collectOpsets(model, env, opsets)))
    return nullptr;

  Builder b(&env.ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(env.fileLoc());
  module->getOperation()->setAttr("onnx.ir_version", b.getI64IntegerAttr(model.ir_version()));
  // The default domain is keyed by its long name: an empty attribute name does not parse
  // back from the printed module.
  SmallVector<NamedAttribute> opsetAttrs;
  for (const auto &entry : opsets) {
    StringRef domain = entry.getKey().empty() ? StringRef("ai.onnx") : entry.getKey();
    opsetAttrs.push_back(b.getNamedAttr(domain, b.getI64IntegerAttr(entry.getValue())));
  }
  module->getOperation()->setAttr("onnx.opset_import", b.getDictionaryAttr(opsetAttrs));
  if (!model.producer_name().empty())
    module->getOperation()->setAttr("onnx.producer_name", b.getStringAttr(model.producer_name()));
  if (!model.producer_version().empty())
    module->getOperation()->setAttr("onnx.producer_version",
                                    b.getStringAttr(model.producer_version()));

  if (failed(importMainGraph(model.graph(), opsets, env, *module)))
    return nullptr;
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

/// buildModule() followed by Kiln's own checks of the result.
OwningOpRef<ModuleOp> buildCheckedModule(const onnxpb::ModelProto &model, ImportEnv &env) {
  OwningOpRef<ModuleOp> module = buildModule(model, env);
  if (!module || failed(checkImportedModule(*module)))
    return nullptr;
  return module;
}

/// `loc` rebuilt in `ctx`: the node and file locations the importer creates.
Location translateLoc(Location loc, MLIRContext &ctx, const ImportEnv &env) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return NameLoc::get(StringAttr::get(&ctx, name.getName().strref()));
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return FileLineColLoc::get(&ctx, file.getFilename().strref(), file.getLine(), file.getColumn());
  return env.fileLoc();
}

/// Imports `model` into a scratch context and runs Kiln's checks there, so the
/// check leaves nothing behind in the caller's context: resource blobs live
/// as long as their context and keep their names taken (a second import into
/// the same context would call blob "w" "w_1"). Diagnostics are re-emitted in
/// the caller's context.
LogicalResult checkInScratchContext(const onnxpb::ModelProto &model, const ImportEnv &env) {
  MLIRContext scratch(env.ctx.getDialectRegistry(), MLIRContext::Threading::DISABLED);
  loadDialects(scratch);
  scratch.getDiagEngine().registerHandler([&](Diagnostic &diag) {
    Location loc = translateLoc(diag.getLocation(), env.ctx, env);
    switch (diag.getSeverity()) {
    case DiagnosticSeverity::Error:
      emitError(loc) << diag.str();
      break;
    case DiagnosticSeverity::Warning:
      emitWarning(loc) << diag.str();
      break;
    default:
      emitRemark(loc) << diag.str();
    }
    return success();
  });
  ImportEnv scratchEnv{scratch, env.sourceName, env.baseDir};
  scratchEnv.checkOnly = true;
  NodeDiagnosticRewriter rewriter(scratch);
  if (buildCheckedModule(model, scratchEnv))
    return success();
  // An output only libonnx can type stopped the import before any error: the
  // model cannot be checked first (libonnx runs unguarded, as before).
  return success(scratchEnv.incomplete);
}

OwningOpRef<ModuleOp> importModel(onnxpb::ModelProto &model, ImportEnv &env,
                                  const ImportOptions &opts) {
  NodeDiagnosticRewriter rewriter(env.ctx);
  if (!model.has_graph())
    return env.fileError() << "'" << env.sourceName << "' has no graph", nullptr;
  // Exporters do not always write nodes in order (ORT's float16 converter); ORT sorts.
  sortNodesTopologically(*model.mutable_graph());
  if (failed(inlineModelFunctions(model, env)) || failed(checkModelVersions(model, env)) ||
      failed(checkGraphNames(model.graph(), env)))
    return nullptr;
  // Where libonnx will see the model, Kiln imports and checks it first:
  // libonnx 1.12 crashes on some inputs it does not validate.
  auto checkFirst = [&]() { return checkInScratchContext(model, env); };
  if (failed(runLibOnnxPasses(model, opts, env, checkFirst)))
    return nullptr;
  return buildCheckedModule(model, env);
}

} // namespace

OwningOpRef<ModuleOp> importOnnxBytes(MLIRContext &ctx, StringRef bytes, StringRef sourceName,
                                      StringRef baseDir, const ImportOptions &opts) {
  loadDialects(ctx);
  ImportEnv env{ctx, sourceName.str(), baseDir.str()};
  onnxpb::ModelProto model;
  if (failed(parseModelBinary(bytes, model)))
    return env.fileError() << "cannot parse '" << sourceName
                           << "' as a binary ONNX model (truncated or not "
                              "protobuf?)",
           nullptr;
  return importModel(model, env, opts);
}

OwningOpRef<ModuleOp> importOnnxText(MLIRContext &ctx, StringRef text, StringRef sourceName,
                                     const ImportOptions &opts) {
  loadDialects(ctx);
  ImportEnv env{ctx, sourceName.str(), ""};
  onnxpb::ModelProto model;
  if (failed(parseModelText(text, model, env)))
    return nullptr;
  return importModel(model, env, opts);
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &ctx, StringRef path, const ImportOptions &opts) {
  loadDialects(ctx);
  SmallString<256> baseDir = llvm::sys::path::parent_path(path);
  if (baseDir.empty())
    baseDir = ".";
  ImportEnv env{ctx, path.str(), baseDir.str().str()};
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return env.fileError() << "cannot open '" << path << "': " << buffer.getError().message(),
           nullptr;
  StringRef content = (*buffer)->getBuffer();

  onnxpb::ModelProto model;
  bool isText = path.ends_with(".onnxtxt");
  if (!isText && failed(parseModelBinary(content, model))) {
    if (!looksLikeOnnxText(content))
      return env.fileError() << "cannot parse '" << path
                             << "' as a binary ONNX model (truncated or not "
                                "protobuf?)",
             nullptr;
    model.Clear();
    isText = true;
  }
  if (isText && failed(parseModelText(content, model, env)))
    return nullptr;
  return importModel(model, env, opts);
}

} // namespace kiln::frontend
