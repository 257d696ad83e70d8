//===- AllTargets.cpp - Every target Kiln is built with -------------------===//
//
// A new backend adds its register function here (and its folder to backends/).
//
//===----------------------------------------------------------------------===//

#include "backends/target/Target.h"
#include "backends/cpu/CpuTarget.h"

#include <mutex>

namespace kiln {

void registerAllTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    cpu::registerCpuTarget();
    for (const Target *target : registeredTargets())
      target->registerPasses();
  });
}

} // namespace kiln
