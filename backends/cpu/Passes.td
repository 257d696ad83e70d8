//===- Passes.td - Passes of the CPU backend -------------------------------===//

#ifndef KILN_BACKENDS_CPU_PASSES_TD
#define KILN_BACKENDS_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerContractions : Pass<"kiln-lower-contractions", "mlir::ModuleOp"> {
  let summary = "Lower f32 matmul-like linalg ops on buffers to register-tiled vector kernels";
  let description = [{
    Runs after bufferization and arena planning, before linalg becomes loops. Each f32
    contraction with one m, one n and one k dimension (linalg.matmul in any operand
    orientation, linalg.batch_matmul, contraction generics) becomes an `scf.parallel`
    over (batch, n-panel, m-block) tiles; each tile keeps a `tile-rows` x
    (`tile-vectors` * `vector-width`) block of C in vector registers across the k loop
    (`vector.fma` of a broadcast A element and a B row). A constant B (a weight) is
    packed at compile time into [ceil(N/cols)][K][cols] panels; a zero `linalg.fill` of
    C right before the contraction is dropped; the elementwise `linalg.generic` right
    after it that reads C (bias, activation, residual) runs on the registers before the
    store. With `vnni`, an i32 contraction of operands widened from 8 bits (MatMulInteger,
    ConvInteger) reads the 8-bit buffers with `vpdpbusd` instead (Int8Kernel.cpp) and the
    widenings are dropped. Other contractions are left alone.
  }];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", /*default=*/"8", "Rows of C per register tile">,
    Option<"tileVectors", "tile-vectors", "int64_t", /*default=*/"2",
           "Vectors per row of a register tile">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector (16 for AVX-512, 8 for AVX2)">,
    Option<"packWeights", "pack-weights", "bool", /*default=*/"true",
           "Pack constant B operands into panels at compile time">,
    Option<"vnni", "vnni", "bool", /*default=*/"false",
           "Lower contractions of widened 8-bit operands with AVX-512 VNNI (vpdpbusd) "
           "on the 8-bit buffers (needs vector-width=16)">,
    Option<"bf16", "bf16", "bool", /*default=*/"false",
           "Multiply f32 contractions with a constant B in bf16 with AVX-512 BF16 "
           "(vdpbf16ps), accumulating in f32 (Bf16Kernel.cpp; needs vector-width=16)">,
    Option<"amx", "amx", "bool", /*default=*/"false",
           "The target has AMX-BF16 and AMX-INT8: the bf16 and 8-bit (vnni) kernels run on "
           "the tile unit where the OS grants it (the lowering to LLVM then needs "
           "convert-vector-to-llvm{enable-amx})">,
    Option<"fp16Weights", "fp16-weights", "bool", /*default=*/"false",
           "Pack the constant B of f32 contractions in fp16; the kernel widens each row to "
           "f32 as it loads it (half the weight bytes, f32 arithmetic)">,
    ListOption<"keepFp32", "keep-fp32", "std::string",
               "With bf16 or fp16-weights: ONNX node names (in the ops' locations) whose "
               "contractions stay f32">,
    Option<"adaptTiles", "adapt-tiles", "bool", /*default=*/"false",
           "With 32 vector registers (AVX-512): per contraction, 1 to 4 vectors per tile "
           "row, whichever wastes the fewest lanes on a static N (48 channels: 8 x 3)">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect",
                           "mlir::affine::AffineDialect", "mlir::func::FuncDialect",
                           "mlir::amx::AMXDialect", "mlir::math::MathDialect"];
}

def ApproximateMath : Pass<"kiln-approximate-math", "mlir::ModuleOp"> {
  let summary = "Replace f32 exp/log/erf/tanh by MLIR's polynomial approximations";
  let description = [{
    Applies upstream `populateMathPolynomialApproximationPatterns` to `math.exp`,
    `expm1`, `log`, `log1p`, `log2`, `erf`, `erfc` and `tanh` on f32 scalars and vectors:
    inline FMAs instead of libm calls, so the loops around them vectorize.
  }];
  let dependentDialects = ["mlir::math::MathDialect", "mlir::arith::ArithDialect",
                           "mlir::vector::VectorDialect"];
}

def LowerCopies : Pass<"kiln-lower-copies", "mlir::ModuleOp"> {
  let summary = "Turn memref.copy between non-contiguous buffers into linalg.copy";
  let description = [{
    A strided memref.copy (the interior of a padded tensor, a slice) would become a call
    to MLIR's element-by-element `memrefCopy`; as a `linalg.copy` it becomes parallel,
    vectorizable loops. Copies between contiguous buffers stay (a memcpy).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def TileTransposes : Pass<"kiln-tile-transposes", "mlir::ModuleOp"> {
  let summary = "Block linalg.transpose on buffers: in vector registers, else in scalar tiles";
  let description = [{
    A transpose that moves the input's innermost dim (NHWC <-> NCHW around a layout
    change) reads one element per cache line when it walks the output row by row. Tiled
    into `tile-size` x `tile-size` blocks of the output's innermost dim and the dim that
    reads the input's innermost one, each block reads and writes whole cache lines. With
    `vector-width` W set, a transpose of 32-bit elements whose innermost dims are contiguous
    becomes W x W blocks transposed in vector registers instead (masked at the edges). The
    block loops are parallel loops, so the runtime's threads split them.
  }];
  let options = [
    Option<"tileSize", "tile-size", "int64_t", "32", "Block edge, in elements">,
    Option<"vectorWidth", "vector-width", "int64_t", "0",
           "Lanes of a vector register for 32-bit elements (16 AVX-512, 8 AVX2); "
           "0 keeps every transpose in scalar blocks">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect", "mlir::vector::VectorDialect",
                           "mlir::arith::ArithDialect"];
}

def RelaxReductions : Pass<"kiln-relax-reductions", "mlir::ModuleOp"> {
  let summary = "Mark float reductions in linalg ops reassociable so they vectorize";
  let description = [{
    Sets `fastmath<reassoc>` on the addf/mulf/max/min ops in the body of every linalg op
    that has a reduction loop, so LLVM can split the reduction across vector lanes.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def ExpandArith : Pass<"kiln-expand-arith", "mlir::ModuleOp"> {
  let summary = "arith-expand, except for the max/min that combine a reduction";
  let description = [{
    Expands ceil/floor division and elementwise float max/min as upstream `arith-expand`
    does, but leaves a max/min marked `reassoc` (the combiner of a reduction, see
    kiln-relax-reductions) for the LLVM lowering: `llvm.maximum` is a reduction LLVM's
    loop vectorizer knows; the compare-and-select it would otherwise become is not.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def OutlineParallelLoops : Pass<"kiln-outline-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Outline top-level scf.parallel loops into bodies run by the runtime's parallel-for";
  let description = [{
    Each outermost `scf.parallel` of a function becomes a private function
    `@<func>_par<N>(%begin: index, %end: index, <captured values>)` that runs iterations
    [begin, end) of the loop's first dimension (inner dimensions stay as loops), and the
    loop itself becomes `func.call @kiln_dispatch_par<N>(%trip, %grain, <captures>)`. The
    grain (iterations a chunk holds at least) follows from an estimate of the operations
    one iteration runs, so that a small loop is not split over threads.
    `kiln-lower-parallel-dispatch` turns that call into a call to the runtime's
    parallel-for once every value has an LLVM type. The backend owns no threads.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def LowerParallelDispatch : Pass<"kiln-lower-parallel-dispatch", "mlir::ModuleOp"> {
  let summary = "Lower kiln_dispatch_par calls to kiln_rt_parallel_for with a packed context";
  let description = [{
    Runs on the LLVM dialect. Each `llvm.call @kiln_dispatch_par<N>(trip, grain, caps...)`
    stores the captured values into a stack struct and calls
    `kiln_rt_parallel_for(0, trip, grain, @<body>_tramp, ctx)`; the trampoline
    `@<body>_tramp(ctx, begin, end)` loads the captures and calls the outlined body.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def InstrumentProfile : Pass<"kiln-instrument-profile", "mlir::ModuleOp"> {
  let summary = "Time each top-level kernel of @kiln_main through the runtime's profiler";
  let description = [{
    Runs on buffers, before linalg ops become loops (`kilnc --profile` adds it). Each
    top-level op of `@kiln_main` that does work (a linalg op, `memref.copy`, a loop, a
    call, or an op whose regions hold one) gets a kernel id N and is wrapped in
    `func.call @kiln_rt_profile_enter(N)` / `@kiln_rt_profile_exit(N)` (i32); views,
    allocations, constants and deallocations are not. The module attribute
    `kiln.profile_kernels` lists, per id, the kernel's op name, the ONNX node names of
    its location (a NameLoc or a FusedLoc after fusion) and their op types, looked up in
    the module attribute `kiln.node_op_types` when present. The C glue embeds that table
    in the model library and forwards the calls to the runtime.

    Before:
    ```mlir
    linalg.matmul ins(%a, %b : ...) outs(%c : ...) loc("/fc/MatMul")
    ```
    After:
    ```mlir
    %c0_i32 = arith.constant 0 : i32
    call @kiln_rt_profile_enter(%c0_i32) : (i32) -> ()
    linalg.matmul ins(%a, %b : ...) outs(%c : ...) loc("/fc/MatMul")
    call @kiln_rt_profile_exit(%c0_i32) : (i32) -> ()
    ```
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::arith::ArithDialect"];
}

#endif // KILN_BACKENDS_CPU_PASSES_TD

def VectorizeElementwise : Pass<"kiln-vectorize-elementwise", "mlir::ModuleOp"> {
  let summary = "Vectorize marked elementwise generics on buffers along their innermost dim";
  let description = [{
    A linalg.generic on buffers carrying the unit attribute `kiln.vectorize` (all loops
    parallel, every operand's map ending in the innermost loop dim over a unit-stride
    innermost buffer dim, a body of arith ops) becomes a parallel loop over its outer dims
    around a loop of `vector-width`-lane steps along the innermost one, the last step
    masked: its body cloned on vectors. LLVM does not vectorize such loops itself when
    they read and write many buffers of one arena (more run-time alias checks than it
    allows), as the Winograd input transform does (16 reads, 16 writes).
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "16", "Lanes of a vector register for f32">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::vector::VectorDialect", "mlir::arith::ArithDialect"];
}
