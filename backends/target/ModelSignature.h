//===- ModelSignature.h - What a compiled model exposes ----------*- C++ -*-===//

#ifndef KILN_BACKENDS_TARGET_MODELSIGNATURE_H
#define KILN_BACKENDS_TARGET_MODELSIGNATURE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <string>

namespace kiln {

/// One model input or output as the C ABI describes it.
struct TensorSignature {
  std::string name;
  int32_t dtype = 0;                     ///< ONNX TensorProto.DataType
  llvm::SmallVector<int64_t> dims;       ///< -1 = dynamic
  llvm::SmallVector<std::string> dimParams; ///< "" = unnamed
  /// An optional input (ONNX optional<tensor>): the entry function takes it and, right
  /// after it, a tensor<i1> that says whether it is present (kiln-lower-optionals).
  bool optional = false;
  /// kiln_model_value_kind: 0 a tensor; 1 and 2 the packed data and the shape table of
  /// a sequence (two consecutive entries of one name, see model_abi.h).
  int32_t kind = 0;
};

/// Where a compiled model keeps its intermediate tensors (see PlanArena.cpp).
struct MemoryPlan {
  int64_t arenaBaseBytes = 0;      ///< arena size = base + perBatch * batch
  int64_t arenaPerBatchBytes = 0;
  int64_t intermediatesBytes = 0;  ///< all intermediate tensors at batch 1, unshared
  int64_t arenaBuffers = 0;        ///< intermediates placed in the arena
  int64_t heapBuffers = 0;         ///< intermediates left to malloc (size not linear in batch)
};

/// Module attribute where a target that profiles records its kernels: an array of
/// {kernel, nodes, op_types} dictionaries, indexed by kernel id (ProfileKernel).
inline constexpr llvm::StringLiteral kProfileKernelsAttr = "kiln.profile_kernels";

/// One timed kernel of a profiled model (the CPU's InstrumentProfile.cpp).
struct ProfileKernel {
  std::string kernel;  ///< the op it was, e.g. "linalg.matmul"
  std::string nodes;   ///< ONNX node names, ", "-separated
  std::string opTypes; ///< their ONNX op types
};

/// The interface of a compiled model, read from the imported (onnx-level) module
/// before lowering erases the ONNX names and signedness.
struct ModelSignature {
  std::string graphName;
  llvm::SmallVector<TensorSignature> inputs;
  llvm::SmallVector<TensorSignature> outputs;
  MemoryPlan memory; ///< filled in by lowering
  llvm::SmallVector<ProfileKernel> profileKernels; ///< by kernel id; empty unless profiled

  /// The entry function's arguments that are inputs: one per input, plus the presence
  /// flag of each optional input.
  unsigned numInputArguments() const {
    unsigned n = inputs.size();
    for (const TensorSignature &t : inputs)
      n += t.optional;
    return n;
  }
};

/// Reads the signature of the entry function `@main` of an imported module. Emits an
/// error (naming the value) for inputs/outputs the C ABI cannot carry (maps, optionals,
/// strings, unranked tensors, sequences of elements of unknown rank). A sequence
/// becomes two entries, its packed data and its shape table (as the lowering's
/// 1:N conversion of the entry function's signature, SequenceValue.h).
mlir::FailureOr<ModelSignature> readModelSignature(mlir::ModuleOp module);

/// Returns the ONNX TensorProto.DataType of an MLIR element type, or 0 if it has none
/// in the C ABI.
int32_t getOnnxDataType(mlir::Type elementType);

} // namespace kiln

#endif // KILN_BACKENDS_TARGET_MODELSIGNATURE_H
