//===- Statistic.cpp - Pass counters that count in release builds ---------===//

#include "kiln/Statistic.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace kiln {
namespace {
struct Counter {
  std::string description;
  std::atomic<uint64_t> value{0};
};
struct Registry {
  std::mutex mutex;
  /// Ordered: passes, then counters, print alphabetically.
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Counter>> counters;
};
Registry &registry() {
  static Registry *r = new Registry; // never destroyed: passes may outlive static teardown
  return *r;
}
} // namespace

std::atomic<uint64_t> *detail::getStatistic(llvm::StringRef pass, llvm::StringRef name,
                                            llvm::StringRef description) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::unique_ptr<Counter> &counter = r.counters[{pass.str(), name.str()}];
  if (!counter) {
    counter = std::make_unique<Counter>();
    counter->description = description.str();
  }
  return &counter->value;
}

void resetPassStatistics() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto &entry : r.counters)
    entry.second->value.store(0);
}

void printPassStatistics(llvm::raw_ostream &os) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.counters.empty())
    return;
  os << "===" << std::string(73, '-') << "===\n"
     << "                         ... Kiln pass statistics ...\n"
     << "===" << std::string(73, '-') << "===\n";
  llvm::StringRef lastPass;
  for (const auto &[key, counter] : r.counters) {
    if (key.first != lastPass)
      os << key.first << "\n";
    lastPass = key.first;
    os << "  (S) " << counter->value.load() << " " << key.second << " - " << counter->description
       << "\n";
  }
}

} // namespace kiln
