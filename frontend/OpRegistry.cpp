//===- OpRegistry.cpp - ONNX op -> onnx dialect op table ------------------===//

#include "frontend/OpRegistry.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <vector>

using namespace llvm;

namespace kiln::frontend {
namespace {

struct VersionRow {
  int64_t since;
  StringRef mlirName;
};

/// Tables built once from the generated .inc, keyed by "domain\0opType" and by
/// MLIR op name.
struct Tables {
  StringMap<std::vector<VersionRow>> versions;
  StringMap<OpSignature> signatures;
  StringSet<> domains;
  /// Largest since_version per domain.
  StringMap<int64_t> newest;

  Tables() {
#define KILN_ONNX_OP_VERSION(DOMAIN, OP, SINCE, NAME) addVersion(DOMAIN, OP, SINCE, NAME);
#define KILN_ONNX_OP_SIG(NAME, NIN, INVAR, NOUT, OUTVAR, RULES, REGIONS)                           \
  addSignature(NAME, NIN, INVAR, NOUT, OUTVAR, RULES, REGIONS);
#include "ir/onnx/OnnxOpVersions.inc"
#undef KILN_ONNX_OP_VERSION
#undef KILN_ONNX_OP_SIG
  }

  static std::string key(StringRef domain, StringRef op) {
    return (domain + Twine('\0') + op).str();
  }

  void addVersion(StringRef domain, StringRef op, int64_t since, StringRef name) {
    domain = domain == "ai.onnx" ? StringRef() : domain;
    domains.insert(domain);
    int64_t &top = newest[domain];
    top = std::max(top, since);
    versions[key(domain, op)].push_back({since, name});
  }

  static SmallVector<StringRef> splitList(StringRef list) {
    SmallVector<StringRef> parts;
    if (list.trim().empty())
      return parts;
    list.split(parts, ',');
    for (StringRef &p : parts)
      p = p.trim();
    return parts;
  }

  void addSignature(StringRef name, unsigned nin, bool inVar, unsigned nout, bool outVar,
                    StringRef rules, StringRef regions) {
    OpSignature &sig = signatures[name];
    sig.mlirName = name;
    sig.numInputs = nin;
    sig.lastInputVariadic = inVar;
    sig.numOutputs = nout;
    sig.lastOutputVariadic = outVar;
    sig.outputTypeRules = splitList(rules);
    sig.regionAttrNames = splitList(regions);
  }
};

const Tables &tables() {
  static const Tables t;
  return t;
}

} // namespace

std::optional<ResolvedOp> resolveOp(StringRef domain, StringRef opType, int64_t opset) {
  const Tables &t = tables();
  auto it = t.versions.find(Tables::key(domain, opType));
  if (it == t.versions.end())
    return std::nullopt;
  const VersionRow *best = nullptr;
  for (const VersionRow &row : it->second)
    if (row.since <= opset && (!best || row.since > best->since))
      best = &row;
  if (!best)
    return std::nullopt;
  auto sig = t.signatures.find(best->mlirName);
  if (sig == t.signatures.end())
    return std::nullopt;
  return ResolvedOp{best->since, &sig->second};
}

bool isKnownDomain(StringRef domain) { return tables().domains.contains(domain); }

std::optional<int64_t> newestOpset(StringRef domain) {
  const Tables &t = tables();
  auto it = t.newest.find(domain);
  if (it == t.newest.end())
    return std::nullopt;
  return it->second;
}

} // namespace kiln::frontend
