//===- KilnDialect.h - Kiln's own ops ----------------------------*- C++ -*-===//

#ifndef KILN_IR_KILN_KILNDIALECT_H
#define KILN_IR_KILN_KILNDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ir/kiln/KilnDialect.h.inc"

#define GET_OP_CLASSES
#include "ir/kiln/KilnOps.h.inc"

namespace kiln::kilnir {

/// The `code` of a kiln.check: the error statuses of kiln/model_abi.h (which the
/// runtime does not share with the compiler, hence the copy; AbiGlue.cpp checks that
/// they agree with the header it embeds).
enum CheckCode : int32_t {
  kCheckShape = 1,      // KILN_MODEL_ERROR_SHAPE
  kCheckMemory = 2,     // KILN_MODEL_ERROR_MEMORY
  kCheckIndex = 4,      // KILN_MODEL_ERROR_INDEX
  kCheckArithmetic = 5, // KILN_MODEL_ERROR_ARITHMETIC
};

/// True for checks on tensor *values* (indices, divisors), as opposed to shapes and
/// allocations: the shape function does not need them.
inline bool isDataCheck(int32_t code) { return code == kCheckIndex || code == kCheckArithmetic; }

} // namespace kiln::kilnir

#endif // KILN_IR_KILN_KILNDIALECT_H
