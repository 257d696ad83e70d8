//===- Rejection.cpp - Why a pattern declined to lower an op --------------===//

#include "passes/OnnxToLinalg/Support/Rejection.h"

using namespace mlir;

namespace kiln::conversion {

RankedTensorType getRankedResultType(ConversionPatternRewriter &rewriter,
                                     const TypeConverter &converter, Operation *op,
                                     unsigned index) {
  auto type = dyn_cast_or_null<RankedTensorType>(
      converter.convertType(op->getResult(index).getType()));
  if (!type)
    (void)reject(rewriter, op, "the result type is not a ranked tensor; shape "
                               "inference could not determine its rank");
  return type;
}

// The collector of the pass run on this thread (passes on other threads have their own).
static thread_local RejectionCollector *activeCollector = nullptr;

RejectionCollector::RejectionCollector() : previous(activeCollector) { activeCollector = this; }
RejectionCollector::~RejectionCollector() { activeCollector = previous; }

StringRef RejectionCollector::reasonFor(Location loc) const {
  auto it = reasons.find(loc.getAsOpaquePointer());
  return it == reasons.end() ? StringRef() : StringRef(it->second);
}

LogicalResult reject(ConversionPatternRewriter &rewriter, Operation *op, const Twine &reason) {
  if (activeCollector)
    activeCollector->record(op->getLoc(), reason.str());
  return rewriter.notifyMatchFailure(op, reason);
}

} // namespace kiln::conversion
