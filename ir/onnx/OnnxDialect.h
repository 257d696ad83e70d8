//===- OnnxDialect.h - The onnx dialect --------------------------*- C++ -*-===//
//
// The `onnx` dialect: one op per ONNX operator signature, generated from the ONNX
// schema registry (see gen_onnx_ops.py), plus the sequence/optional/map types.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_IR_ONNX_ONNXDIALECT_H
#define KILN_IR_ONNX_ONNXDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ir/onnx/OnnxDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "ir/onnx/OnnxTypes.h.inc"

#include "ir/onnx/OnnxInterfaces.h.inc"

#define GET_OP_CLASSES
#include "ir/onnx/OnnxOps.h.inc"

namespace kiln::onnxir {

/// Refines the result types of `op` with its ShapeInferenceOpInterface, if it has one.
/// Only refines (never replaces a static dimension or a known element type with less);
/// returns failure if inference reported an inconsistency.
mlir::LogicalResult refineResultTypes(mlir::Operation *op);

/// Refines the result types of every op in `region`, producers first. The bodies of Loop
/// and Scan are typed from their operands first (ShapeInferenceControlFlow.cpp), and an
/// op with regions is refined after the ops of its regions, from what they yield.
mlir::LogicalResult inferShapesInRegion(mlir::Region &region);

} // namespace kiln::onnxir

#endif // KILN_IR_ONNX_ONNXDIALECT_H
