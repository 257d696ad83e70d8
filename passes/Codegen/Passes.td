//===- Passes.td - Target-independent code generation passes ---------------===//
//
// From linalg on tensors to planned buffers, shared by every target: elementwise
// fusion, the shape function, output-copy elision, arena planning and run-time checks.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_CODEGEN_PASSES_TD
#define KILN_PASSES_CODEGEN_PASSES_TD

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

def ShrinkBufferLifetimes : Pass<"kiln-shrink-buffer-lifetimes", "mlir::ModuleOp"> {
  let summary = "Move each heap buffer's alloc to its first use and its dealloc after its last";
  let description = [{
    Runs after the buffer deallocation pipeline, which frees a buffer at the end of the
    block that allocates it. Buffers kiln-plan-arena could not place (sizes that depend
    on dynamic dims other than the batch) come from the run's heap; freed at the end of
    the entry block they are all live at once (a dynamic-size detector held 149 MB
    where its fixed-size build's arena is 30 MB), and the working set no longer fits in
    cache. For each `memref.alloc` with one unconditional `memref.dealloc` in the same
    block, the alloc moves to just before the first op of the block that uses it (or a
    view of it) and the dealloc to just after the last. A buffer that escapes (a view
    yielded, returned, passed to a call or stored) is left alone.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
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

def DecomposePads : Pass<"kiln-decompose-pads", "mlir::ModuleOp"> {
  let summary = "Rewrite tensor.pad as a fill and an insert_slice, so producers write into the padded buffer";
  let description = [{
    Upstream's DecomposePadOpPattern: `tensor.pad %x low[..] high[..] { yield %v }`
    becomes `tensor.insert_slice %x into (linalg.fill %v into tensor.empty)`. Followed by
    `eliminate-empty-tensors`, the op producing `%x` then computes into the interior of
    the padded buffer instead of a buffer of its own that is copied there.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def DecomposeConcats : Pass<"kiln-decompose-concats", "mlir::ModuleOp"> {
  let summary = "Rewrite static tensor.concat as insert_slices into a buffer placed before its producers";
  let description = [{
    `tensor.concat` of statically shaped inputs becomes a `tensor.empty` of the result,
    created before the first op computing any input, and one `tensor.insert_slice` per
    input. Followed by `eliminate-empty-tensors`, each producer computes into its slice
    of the concatenation instead of a buffer of its own that is copied there.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def UntieFillInits : Pass<"kiln-untie-fill-inits", "mlir::ModuleOp"> {
  let summary = "Give every destination-passing op its own filled init (no bufferization copies)";
  let description = [{
    After CSE, identical `linalg.fill` ops of same-shaped `tensor.empty` inits are one
    value shared by several ops (two convolutions of one output shape); one-shot
    bufferization would copy it for all but one. Each extra use as a DPS init gets a
    clone of the fill and of its tensor.empty, right before the op; a tensor.empty with
    several uses gets one clone per extra use the same way.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
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

def ForwardSliceCopies : Pass<"kiln-forward-slice-copies", "mlir::ModuleOp"> {
  let summary = "Compute a result in the buffer slice it is copied to (no copy)";
  let description = [{
    After one-shot bufferization, an op with several results each inserted into a slice
    of one buffer (Winograd's input transform) writes only the first slice in place; each
    other result gets an allocation and a `memref.copy` into its slice. Where the
    allocation is only written by linalg ops before the copy (the first of which does not
    read it), the slice's operands are defined before that first write (an allocation of
    the same block moves up), and nothing in
    between touches the buffer under the slice except through static subviews disjoint
    from it, the slice is made before the first write and replaces the allocation; the
    copy goes.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def StripChecks : Pass<"kiln-strip-checks", "mlir::ModuleOp"> {
  let summary = "Erase every kiln.check (to measure what the run-time checks cost; never for use)";
  let description = [{
    Removes the run-time shape, index and arithmetic checks so that a benchmark can
    compare a model with and without them in one run:
    `kilnc --kiln-extension=before-bufferize:kiln-strip-checks`. Run before
    bufferization, the computations that only fed a check (an index tensor's min/max)
    then fold away too. A model compiled so is unsafe on bad inputs: bench/ only.

    Before:
    ```mlir
    kiln.check %ok, %a, %b {code = 1 : i32, message = "..."} : index, index
    ```
    After: nothing.
  }];
  let statistics = [Statistic<"numStripped", "stripped", "kiln.check ops erased">];
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

#endif // KILN_PASSES_CODEGEN_PASSES_TD
