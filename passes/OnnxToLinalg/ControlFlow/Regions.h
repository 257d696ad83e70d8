//===- Regions.h - Moving ONNX subgraphs into scf ops -----------*- C++ -*-===//
//
// The subgraph of If, Loop and Scan is moved into the scf op that replaces it (its onnx
// ops are legalized afterwards by the same conversion, since the driver collected them up
// front) and its onnx.Yield becomes an scf.yield / scf.condition. The pieces the three
// lowerings share live here.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_CONTROLFLOW_REGIONS_H
#define KILN_PASSES_ONNXTOLINALG_CONTROLFLOW_REGIONS_H

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {

/// Adapts `value` to `type`: element types that differ only in signedness are reinterpreted
/// with a cast the conversion reconciles, shapes that differ in static information get a
/// tensor.cast.
mlir::Value adapt(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, mlir::Type type);

/// Returns the converted ranked tensor types of `types`, or failure if one is not a ranked
/// tensor (a sequence, an optional, or of unknown rank).
mlir::FailureOr<llvm::SmallVector<mlir::Type>> convertRanked(const mlir::TypeConverter &converter,
                                                             mlir::TypeRange types);

/// Moves the single block of `region` to the end of `dest`, its arguments replaced by
/// `args` (adapted to their types), and returns the onnx.Yield that ends it.
onnxir::YieldOp mergeBody(mlir::ConversionPatternRewriter &rewriter, mlir::Location loc,
                          mlir::Region &region, mlir::Block *dest, mlir::ValueRange args);

/// The lowered types of each value: one ranked tensor, or the two tensors of a sequence of
/// ranked tensors (SequenceValue.h); failure for anything else.
mlir::FailureOr<llvm::SmallVector<llvm::SmallVector<mlir::Type, 2>>>
convertValueTypes(const mlir::TypeConverter &converter, mlir::TypeRange types);

/// Checks that every body argument and yielded value is a ranked tensor or a sequence of
/// them.
bool hasRankedOrSequenceBody(mlir::Region &region);

/// Checks that every body argument and yielded value is a ranked tensor.
bool hasRankedBody(mlir::Region &region);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_CONTROLFLOW_REGIONS_H
