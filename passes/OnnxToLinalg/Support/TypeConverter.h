//===- TypeConverter.h - ONNX types to linalg types -------------*- C++ -*-===//
//
// The lowering's type converter: ONNX's unsigned integer element types become signless
// (arith is sign-agnostic), so each pattern reads signedness from the original type.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_TYPECONVERTER_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_TYPECONVERTER_H

#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {

/// Maps ONNX value types to the types linalg/arith work with: unsigned integer element
/// types become signless (arith is sign-agnostic; each pattern picks signed or unsigned
/// arithmetic from the *original* ONNX type), everything else is unchanged.
class OnnxTypeConverter : public mlir::TypeConverter {
public:
  OnnxTypeConverter();
};

/// Returns true if `type` (a tensor or element type) has an unsigned integer element type.
bool isUnsignedInt(mlir::Type type);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_TYPECONVERTER_H
