//===- Passes.td - Passes of the CPU backend -------------------------------===//

#ifndef KILN_BACKENDS_CPU_PASSES_TD
#define KILN_BACKENDS_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CreateShapeFunction : Pass<"kiln-create-shape-function", "mlir::ModuleOp"> {
  let summary = "Derive @kiln_output_dims, the output shapes of @kiln_main, from its inputs";
  let description = [{
    Clones the entry function `@kiln_main` (linalg on tensors) into
    `@kiln_output_dims`, which returns one `tensor<Kxi64>` holding every dimension of
    every result (K = the sum of the result ranks). Result dims are then resolved to
    arithmetic on the input dims and the dead computation folds away, so the runtime
    can size the output buffers before it runs the model.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect", "mlir::arith::ArithDialect"];
}

def PlanArena : Pass<"kiln-plan-arena", "mlir::ModuleOp"> {
  let summary = "Place intermediate buffers of @kiln_main in one arena planned from their lifetimes";
  let description = [{
    Runs after bufferization. Each `memref.alloc` in the entry block of `@kiln_main`
    whose size is static or linear in the batch becomes a `memref.view` of a new last
    argument, the arena (`memref<?xi8>`), at an offset `base + perBatch * N` chosen so
    that buffers live at the same time never overlap, for any batch N. Records the arena
    size and the total size of all intermediates as module attributes
    (`kiln.arena_base_bytes`, `kiln.arena_per_batch_bytes`, `kiln.intermediates_bytes`).

    Before:
    ```mlir
    %a = memref.alloc() : memref<64xf32>
    ```
    After:
    ```mlir
    %c0 = arith.constant 0 : index
    %a = memref.view %arena[%c0][] : memref<?xi8> to memref<64xf32>
    ```
  }];
  let options = [
    Option<"numModelInputs", "num-model-inputs", "unsigned", /*default=*/"0",
           "How many leading arguments are model inputs (the batch is read from them)">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

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
    store. Other contractions are left alone.
  }];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", /*default=*/"8", "Rows of C per register tile">,
    Option<"tileVectors", "tile-vectors", "int64_t", /*default=*/"2",
           "Vectors per row of a register tile">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector (16 for AVX-512, 8 for AVX2)">,
    Option<"packWeights", "pack-weights", "bool", /*default=*/"true",
           "Pack constant B operands into panels at compile time">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect",
                           "mlir::affine::AffineDialect"];
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

def FuseElementwise : Pass<"kiln-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "linalg-fuse-elementwise-ops that never reshapes or fuses into a contraction";
  let description = [{
    Upstream elementwise fusion and reshape propagation (by expansion), with a control
    function that leaves contractions (matmul-like ops) alone: their elementwise
    consumers are fused later, as register-tile epilogues, by kiln-lower-contractions.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::affine::AffineDialect"];
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

def RelaxReductions : Pass<"kiln-relax-reductions", "mlir::ModuleOp"> {
  let summary = "Mark float reductions in linalg ops reassociable so they vectorize";
  let description = [{
    Sets `fastmath<reassoc>` on the addf/mulf/max/min ops in the body of every linalg op
    that has a reduction loop, so LLVM can split the reduction across vector lanes.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def ElideOutputCopies : Pass<"kiln-elide-output-copies", "mlir::ModuleOp"> {
  let summary = "Compute model outputs directly in the caller's output buffers";
  let description = [{
    After buffer-results-to-out-params, an output is computed into an allocation and then
    copied into its out-parameter. Where the allocation has the output's type, is not
    viewed or used after the copy, and the out-parameter is not used before it, the
    allocation is replaced by the out-parameter and the copy removed. (Upstream's
    `hoist-dynamic-allocs` option does this too but crashes in LLVM 22 on a function that
    returns a value not produced by an allocation, e.g. an empty Split output.)
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def OutlineParallelLoops : Pass<"kiln-outline-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Outline top-level scf.parallel loops into bodies run by the runtime's parallel-for";
  let description = [{
    Each outermost `scf.parallel` of a function becomes a private function
    `@<func>_par<N>(%begin: index, %end: index, <captured values>)` that runs iterations
    [begin, end) of the loop's first dimension (inner dimensions stay as loops), and the
    loop itself becomes `func.call @kiln_dispatch_par<N>(%lb, %ub, %step, <captures>)`.
    `kiln-lower-parallel-dispatch` turns that call into a call to the runtime's
    parallel-for once every value has an LLVM type. The backend owns no threads.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def LowerParallelDispatch : Pass<"kiln-lower-parallel-dispatch", "mlir::ModuleOp"> {
  let summary = "Lower kiln_dispatch_par calls to kiln_rt_parallel_for with a packed context";
  let description = [{
    Runs on the LLVM dialect. Each `llvm.call @kiln_dispatch_par<N>(lb, ub, step, caps...)`
    stores the captured values into a stack struct and calls
    `kiln_rt_parallel_for(lb, ub, step, @<body>_tramp, ctx)`; the trampoline
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

def LowerChecks : Pass<"kiln-lower-checks", "mlir::ModuleOp"> {
  let summary = "Lower kiln.check to a branch that reports the error and returns";
  let description = [{
    Runs after convert-scf-to-cf (every function is a CFG) and before the LLVM
    conversion. First each `memref.alloc` (a heap buffer: the arena holds the others;
    finalize-memref-to-llvm{use-generic-functions} sends it to the glue's allocator,
    the session's) is followed by a check that its pointer is not NULL, with the
    memory status (option `check-allocs`). Then each `kiln.check %ok, %a, %b` splits its block: when `%ok` is false
    the run branches to a block that calls the C glue's
    `kiln_rt_fail(code: i32, message: !llvm.ptr, a: i64, b: i64)`, which records the
    first failure of the run and formats the message, and returns from the function
    (results, if any, are poison).

    A check may sit in an outlined parallel body (`@kiln_par_body<N>`), which a
    worker thread runs: returning ends only that chunk. So every call of a function
    that may fail (one that holds a check or calls one that may, a dispatch
    `@kiln_dispatch_par<N>` counting as a call of `@kiln_par_body<N>`) is followed by
    `kiln_rt_failed() : i32` and a return when it is not 0. The glue skips the chunks
    that start after a failure, so the rest of the parallel loop is cheap, and the
    failed dispatch's caller returns before the next kernel runs.

    Before:
    ```mlir
    kiln.check %ok, %i, %n {code = 4 : i32, message = "index {} out of range {}"} : i64, index
    ```
    After:
    ```mlir
      cf.cond_br %ok, ^bb2, ^bb1
    ^bb1:
      %m = llvm.mlir.addressof @kiln_check_msg0 : !llvm.ptr
      %c = arith.constant 4 : i32
      %a = ... (i64) ...
      call @kiln_rt_fail(%c, %m, %a, %b) : (i32, !llvm.ptr, i64, i64) -> ()
      return
    ^bb2:
    ```
  }];
  let options = [
    Option<"checkAllocs", "check-allocs", "bool", /*default=*/"true",
           "Follow each memref.alloc with a kiln.check that it is not NULL (memory status)">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::cf::ControlFlowDialect",
                           "mlir::func::FuncDialect", "mlir::arith::ArithDialect",
                           "mlir::ub::UBDialect", "kiln::kilnir::KilnDialect"];
}

#endif // KILN_BACKENDS_CPU_PASSES_TD
