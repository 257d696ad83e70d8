//===- Target.cpp - The registry of targets -------------------------------===//

#include "backends/target/Target.h"

#include "llvm/ADT/StringMap.h"

#include <mutex>

namespace kiln {

Target::~Target() = default;

namespace {
struct Registry {
  std::mutex mutex;
  llvm::StringMap<std::unique_ptr<Target>> targets;
};
Registry &registry() {
  static Registry instance;
  return instance;
}
} // namespace

void registerTarget(std::unique_ptr<Target> target) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::string name = target->name().str();
  r.targets.try_emplace(name, std::move(target));
}

const Target *lookupTarget(llvm::StringRef name) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.targets.find(name);
  return it == r.targets.end() ? nullptr : it->second.get();
}

std::vector<const Target *> registeredTargets() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<const Target *> targets;
  for (auto &entry : r.targets)
    targets.push_back(entry.second.get());
  llvm::sort(targets, [](const Target *a, const Target *b) { return a->name() < b->name(); });
  return targets;
}

} // namespace kiln
