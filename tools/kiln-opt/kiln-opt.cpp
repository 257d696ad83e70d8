//===- kiln-opt.cpp - mlir-opt with Kiln's dialects and passes ------------===//
//
// Runs passes over .mlir files, for lit tests and pass development. Pass plugins load
// with --load-pass-plugin=PATH through Kiln's loader (plugins/api/PluginLoader.h), which
// checks versions and pass names and fails with a message instead of aborting. Plugins
// load before the options are parsed, so their passes are reachable as --<pass> flags
// and in --pass-pipeline=... alike.
//
//===----------------------------------------------------------------------===//

#include "backends/target/Target.h"
#include "ir/InitAllDialects.h"
#include "kiln/Statistic.h"
#include "passes/Pipelines/Pipelines.h"
#include "plugins/api/PluginLoader.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

static llvm::cl::opt<bool>
    passStatistics("kiln-stats",
                   llvm::cl::desc("Print the kiln::PassStatistic counters after the run"));

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  kiln::registerPipelinePasses();
  kiln::registerAllTargets();
  for (const kiln::Target *target : kiln::registeredTargets())
    target->registerDialects(registry);

  std::vector<char *> args(argv, argv + argc);
  for (const std::string &path : kiln::takePassPluginOptions(args)) {
    kiln::LoadedPlugin plugin;
    std::string error;
    if (!kiln::loadPassPlugin(path, plugin, error)) {
      llvm::errs() << "kiln-opt: error: " << error << "\n";
      return 1;
    }
  }
  int remaining = static_cast<int>(args.size());
  args.push_back(nullptr);
  mlir::LogicalResult result =
      mlir::MlirOptMain(remaining, args.data(), "Kiln optimizer driver\n", registry);
  if (passStatistics)
    kiln::printPassStatistics(llvm::errs());
  return mlir::asMainReturnCode(result);
}
