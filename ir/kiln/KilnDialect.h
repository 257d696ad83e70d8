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

#endif // KILN_IR_KILN_KILNDIALECT_H
