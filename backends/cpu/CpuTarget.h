//===- CpuTarget.h - The host CPU target -------------------------*- C++ -*-===//
//
// `kilnc --target=cpu` (the default): after the shared pipeline, register-tiled
// contractions for the CPU's vector ISA (AVX2 / AVX-512), fast math approximations,
// parallel loops outlined to the runtime's thread pool, run-time checks as branches,
// the LLVM dialect; then LLVM's O-level pipeline for the CPU, an object file, and the
// C glue linked around it into model.so.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKENDS_CPU_CPUTARGET_H
#define KILN_BACKENDS_CPU_CPUTARGET_H

namespace kiln::cpu {

/// Adds the "cpu" target to the registry (backends/target/Target.h).
void registerCpuTarget();

} // namespace kiln::cpu

#endif // KILN_BACKENDS_CPU_CPUTARGET_H
