//===- SmallFloat.h - Casts to and from 8- and 4-bit floats -----*- C++ -*-===//
//
// Part of Kiln. LLVM has no arithmetic on the float8 (f8E4M3FN, f8E4M3FNUZ,
// f8E5M2, f8E5M2FNUZ, f8E8M0FNU) and float4 (f4E2M1FN) types, and MLIR's
// arith-to-llvm leaves extf/truncf on them unconverted, so Kiln emits the
// conversions itself as integer arithmetic on the bit patterns.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_SMALLFLOAT_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_SMALLFLOAT_H

#include "mlir/IR/Builders.h"

namespace kiln::conversion {

/// True for the float types of at most 8 bits (float8 and float4).
bool isSmallFloat(mlir::Type type);

/// Widens a small float scalar to an f32 (exactly).
mlir::Value extSmallFloatToF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// Rounds an f32 scalar to the small float type `dstType` with ONNX Cast semantics:
/// round to nearest even; with `saturate`, out-of-range values and infinities become
/// the largest finite value of their sign, without, they become inf (if the type has
/// one) or NaN. For f8E8M0FNU `roundMode` is ONNX's "up", "down" or "nearest".
mlir::Value truncF32ToSmallFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                                 mlir::FloatType dstType, bool saturate,
                                 llvm::StringRef roundMode = "up");

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_SMALLFLOAT_H
