// RUN: kiln-opt --kiln-lower-parallel-dispatch %s | FileCheck %s

// Tests that a dispatch call (trip count, grain, captures) packs its captures into a stack
// struct and calls the runtime's parallel-for over [0, trip) with the grain and a
// trampoline that unpacks them and calls the outlined body.
// CHECK-LABEL: llvm.func @kiln_main
// CHECK: %[[CTX:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(ptr, i64)>
// CHECK: llvm.store %{{.+}}, %{{.+}} : !llvm.ptr, !llvm.ptr
// CHECK: llvm.store %{{.+}}, %{{.+}} : i64, !llvm.ptr
// CHECK: %[[FN:.+]] = llvm.mlir.addressof @kiln_par_body0_tramp
// CHECK: llvm.call @kiln_rt_parallel_for(%{{.+}}, %arg1, %[[GRAIN:[a-z0-9]+]], %[[FN]], %[[CTX]])
// CHECK-NOT: kiln_dispatch_par0
// CHECK: llvm.func internal @kiln_par_body0_tramp(%[[P:[a-z0-9]+]]: !llvm.ptr, %[[BEGIN:[a-z0-9]+]]: i64, %[[END:[a-z0-9]+]]: i64)
// CHECK: llvm.call @kiln_par_body0(%[[BEGIN]], %[[END]], %{{.+}}, %{{.+}})
llvm.func @kiln_dispatch_par0(i64, i64, !llvm.ptr, i64)
llvm.func @kiln_par_body0(%b: i64, %e: i64, %p: !llvm.ptr, %n: i64) {
  llvm.return
}
llvm.func @kiln_main(%p: !llvm.ptr, %n: i64) {
  %grain = llvm.mlir.constant(7 : i64) : i64
  llvm.call @kiln_dispatch_par0(%n, %grain, %p, %n) : (i64, i64, !llvm.ptr, i64) -> ()
  llvm.return
}
