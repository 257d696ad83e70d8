// RUN: kiln-opt --split-input-file --kiln-lower-checks=check-allocs=false %s | FileCheck %s

// Tests that a check splits its block: on failure it calls kiln_rt_fail with the code,
// the message (one global per text) and both values as i64, then returns.
// CHECK-DAG: llvm.mlir.global internal constant @[[MSG:kiln_check_msg0]]("node 'g' (Gather): index {} is out of range for axis 0 of size {}\00")
// CHECK-DAG: func.func private @kiln_rt_fail(i32, !llvm.ptr, i64, i64)
// CHECK-LABEL: func @kiln_main
// CHECK-SAME: (%[[OK:.+]]: i1, %[[I:.+]]: i32, %[[N:.+]]: index, %[[M:.+]]: memref<4xf32>)
// CHECK: cf.cond_br %[[OK]], ^[[CONT:.+]], ^[[FAIL:[a-z0-9]+]]
// CHECK: ^[[FAIL]]:
// CHECK-DAG: %[[PTR:.+]] = llvm.mlir.addressof @[[MSG]] : !llvm.ptr
// CHECK-DAG: %[[CODE:.+]] = arith.constant 4 : i32
// CHECK-DAG: %[[A:.+]] = arith.extsi %[[I]] : i32 to i64
// CHECK-DAG: %[[B:.+]] = arith.index_cast %[[N]] : index to i64
// CHECK: call @kiln_rt_fail(%[[CODE]], %[[PTR]], %[[A]], %[[B]])
// CHECK-NEXT: return
// CHECK: ^[[CONT]]:
// CHECK-NOT: kiln.check
// CHECK: memref.store
func.func @kiln_main(%ok: i1, %i: i32, %n: index, %m: memref<4xf32>) {
  kiln.check %ok, %i, %n {code = 4 : i32, message = "node 'g' (Gather): index {} is out of range for axis 0 of size {}"} : i32, index
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  memref.store %f, %m[%c0] : memref<4xf32>
  return
}

// -----

// Tests that a check in an outlined parallel body returns from the body, and that the
// dispatch's caller asks kiln_rt_failed afterwards and returns before the next kernel;
// a function with results returns poison.
// CHECK-LABEL: func private @kiln_par_body0
// CHECK: cf.cond_br
// CHECK: call @kiln_rt_fail
// CHECK-NEXT: return
// CHECK-LABEL: func @kiln_main
// CHECK: call @kiln_dispatch_par0
// CHECK-NEXT: %[[S:.+]] = call @kiln_rt_failed() : () -> i32
// CHECK-NEXT: %[[Z:.+]] = arith.constant 0 : i32
// CHECK-NEXT: %[[OK:.+]] = arith.cmpi eq, %[[S]], %[[Z]] : i32
// CHECK-NEXT: cf.cond_br %[[OK]], ^[[CONT:.+]], ^[[RET:[a-z0-9]+]]
// CHECK: ^[[RET]]:
// CHECK-NEXT: return
// CHECK: ^[[CONT]]:
// CHECK-NEXT: call @next_kernel
// CHECK-LABEL: func @with_result
// CHECK: call @kiln_rt_fail
// CHECK-NEXT: %[[P:.+]] = ub.poison : i32
// CHECK-NEXT: return %[[P]] : i32
func.func private @kiln_dispatch_par0(index, index, index, i1)
func.func private @next_kernel()
func.func private @kiln_par_body0(%b: index, %e: index, %ok: i1) {
  kiln.check %ok, %b, %e {code = 5 : i32, message = "node 'd' (Div): integer division by zero"} : index, index
  return
}
func.func @kiln_main(%n: index, %ok: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  call @kiln_dispatch_par0(%c0, %n, %c1, %ok) : (index, index, index, i1) -> ()
  call @next_kernel() : () -> ()
  return
}
func.func @with_result(%ok: i1, %x: i32) -> i32 {
  kiln.check %ok, %x, %x {code = 1 : i32, message = "node 'r' (Reshape): {} != {}"} : i32, i32
  return %x : i32
}

// -----

// Tests that a module without checks is left alone (no declarations).
// CHECK-LABEL: func @no_checks
// CHECK-NOT: kiln_rt_fail
func.func @no_checks() {
  return
}

// -----

// Tests that a heap allocation is followed by a NULL check with the memory status that
// names the node and the size in bytes (option check-allocs, on by default).
// RUN: kiln-opt --kiln-lower-checks %s --split-input-file | FileCheck %s --check-prefix=ALLOC
// ALLOC: "node '/t/Tile': cannot allocate {} bytes for an intermediate buffer (the session allocator returned NULL)\00"
// ALLOC-LABEL: func @heap
// ALLOC: [[M:%.+]] = memref.alloc(%{{.+}}) : memref<?x4xf32>
// ALLOC: [[P:%.+]] = memref.extract_aligned_pointer_as_index [[M]]
// ALLOC: [[OK:%.+]] = arith.cmpi ne, [[P]], %{{.+}}
// ALLOC: cf.cond_br [[OK]]
// ALLOC: arith.constant 2 : i32
// ALLOC: call @kiln_rt_fail
func.func @heap(%n: index) {
  %m = memref.alloc(%n) : memref<?x4xf32> loc("/t/Tile")
  memref.dealloc %m : memref<?x4xf32>
  return
}
