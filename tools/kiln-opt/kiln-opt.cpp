//===- kiln-opt.cpp - mlir-opt with Kiln's dialects and passes ------------===//
//
// Runs passes over .mlir files, for lit tests and pass development. Pass plugins load
// with --load-pass-plugin=PATH (MlirOptMain's own option); plugin passes are then
// reachable through --pass-pipeline=... .
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"
#include "ir/InitAllDialects.h"
#include "passes/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  mlir::registerAllPasses();
  kiln::registerKilnPasses();
  kiln::cpu::registerCpuPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}
