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

#endif // KILN_BACKENDS_CPU_PASSES_TD
