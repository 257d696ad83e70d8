//===- InstrumentProfile.h - Per-kernel profiling support -------*- C++ -*-===//
//
// kiln-instrument-profile wraps each top-level kernel of @kiln_main in calls to
// kiln_rt_profile_enter/exit(i32 id) and records, per id, the kernel's op name and
// the ONNX nodes it came from in the module attribute `kiln.profile_kernels`
// (kProfileKernelsAttr, which lowerModel reads into the signature). The
// ONNX op types are looked up in `kiln.node_op_types` (node name -> op type), which
// recordNodeOpTypes writes while the module is still in the onnx dialect.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKENDS_CPU_INSTRUMENTPROFILE_H
#define KILN_BACKENDS_CPU_INSTRUMENTPROFILE_H

#include "backends/target/ModelSignature.h"

#include "mlir/IR/BuiltinOps.h"

namespace kiln::cpu {

/// Module attribute: dictionary from ONNX node name to ONNX op type.
inline constexpr llvm::StringLiteral kNodeOpTypesAttr = "kiln.node_op_types";
/// The C glue's profiling entry points the instrumented code calls.
inline constexpr llvm::StringLiteral kProfileEnter = "kiln_rt_profile_enter";
inline constexpr llvm::StringLiteral kProfileExit = "kiln_rt_profile_exit";

/// Records `kiln.node_op_types` from the onnx ops of `module` (their NameLocs).
void recordNodeOpTypes(mlir::ModuleOp module);

} // namespace kiln::cpu

#endif // KILN_BACKENDS_CPU_INSTRUMENTPROFILE_H
