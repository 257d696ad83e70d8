//===- Rejection.h - Why a pattern declined to lower an op ------*- C++ -*-===//
//
// The dialect conversion driver keeps notifyMatchFailure reasons to its debug log; the
// lowerings report through reject() so that the pass's error names the ONNX node, its
// op type and the reason (see OnnxToLinalg.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_REJECTION_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_REJECTION_H

#include "llvm/ADT/DenseMap.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

#include <string>

namespace kiln::conversion {

/// Returns the result type of `op`'s result `index` after type conversion, as a ranked
/// tensor type, or null (after notifying a match failure) if it is not ranked.
mlir::RankedTensorType getRankedResultType(mlir::ConversionPatternRewriter &rewriter,
                                           const mlir::TypeConverter &converter,
                                           mlir::Operation *op, unsigned index = 0);

/// Declines to lower `op` and records `reason` for the pass's final error message. The
/// dialect conversion driver keeps notifyMatchFailure reasons to its debug log, so
/// patterns report through this instead of calling notifyMatchFailure directly.
mlir::LogicalResult reject(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                           const llvm::Twine &reason);

/// Collects the reasons given to reject() while it is alive (one per pass run).
class RejectionCollector {
public:
  RejectionCollector();
  ~RejectionCollector();
  /// The last reason recorded for an op at `loc`, or "" if none.
  llvm::StringRef reasonFor(mlir::Location loc) const;
  void record(mlir::Location loc, std::string reason) {
    reasons[loc.getAsOpaquePointer()] = std::move(reason);
  }

private:
  llvm::DenseMap<const void *, std::string> reasons;
  RejectionCollector *previous;
};

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_REJECTION_H
