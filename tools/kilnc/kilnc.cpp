//===- kilnc.cpp - The Kiln compiler driver -------------------------------===//
//
// kilnc MODEL.onnx --emit=mlir [-o OUT]: imports an ONNX model (binary protobuf or
// ONNX text syntax) and prints it in the onnx dialect. Lowering and code generation
// come with the CPU backend.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importer.h"
#include "ir/InitAllDialects.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace {
enum class EmitKind { Mlir };

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx | model.onnxtxt>"),
                               cl::Required);
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::init("-"));
cl::opt<EmitKind> emit("emit", cl::desc("What to produce"), cl::init(EmitKind::Mlir),
                       cl::values(clEnumValN(EmitKind::Mlir, "mlir",
                                             "the imported module in the onnx dialect")));
cl::opt<bool> noChecker("no-onnx-checker",
                        cl::desc("Skip libonnx's model checker (opsets it knows only)"));
cl::opt<bool> noOnnxShapeInference(
    "no-onnx-shape-inference", cl::desc("Skip libonnx's shape inference (opsets it knows only)"));
cl::opt<bool> noVersionConversion("no-version-conversion",
                                  cl::desc("Keep old opsets instead of converting them to 17"));
cl::opt<bool> inferShapes("infer-shapes", cl::init(true),
                          cl::desc("Refine types with the onnx dialect's shape inference"));
cl::opt<bool> printGeneric("mlir-print-generic", cl::desc("Print ops in generic form"));
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "Kiln: ahead-of-time compiler for ONNX models\n");

  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  mlir::MLIRContext context(registry);

  kiln::frontend::ImportOptions options;
  options.runChecker = !noChecker;
  options.runShapeInference = !noOnnxShapeInference;
  options.convertVersion = !noVersionConversion;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      kiln::frontend::importOnnxFile(context, inputFile, options);
  if (!module)
    return 1;

  if (inferShapes) {
    mlir::PassManager pm(&context);
    pm.addPass(kiln::createInferShapes());
    if (failed(pm.run(*module)))
      return 1;
  }

  std::string error;
  std::unique_ptr<ToolOutputFile> output = mlir::openOutputFile(outputFile, &error);
  if (!output) {
    errs() << "kilnc: " << error << "\n";
    return 1;
  }
  mlir::OpPrintingFlags flags;
  if (printGeneric)
    flags.printGenericOpForm();
  module->print(output->os(), flags);
  output->os() << "\n";
  output->keep();
  return 0;
}
