// RUN: kiln-opt --split-input-file --verify-diagnostics --kiln-instrument-profile %s | FileCheck %s

// Tests that each top-level kernel of @kiln_main is wrapped in enter/exit calls with its
// id, that views, allocations and deallocation-only regions are not, and that the
// kernel table names the ONNX nodes (all of a FusedLoc) and their op types.
// CHECK: module attributes {kiln.node_op_types = {{.*}}, kiln.profile_kernels = [
// CHECK-SAME: {kernel = "linalg.fill", nodes = "/fc/MatMul", op_types = "MatMul"},
// CHECK-SAME: {kernel = "linalg.matmul", nodes = "/fc/MatMul", op_types = "MatMul"},
// CHECK-SAME: {kernel = "linalg.generic", nodes = "/fc/Add, /act/Relu", op_types = "Add, Relu"},
// CHECK-SAME: {kernel = "memref.copy", nodes = "", op_types = ""},
// CHECK-SAME: {kernel = "scf.for", nodes = "/loop/Loop", op_types = "Loop"}]}
// CHECK-LABEL: func.func @kiln_main
// CHECK: memref.view
// CHECK: %[[ID0:.+]] = arith.constant 0 : i32
// CHECK-NEXT: call @kiln_rt_profile_enter(%[[ID0]]) : (i32) -> ()
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: call @kiln_rt_profile_exit(%[[ID0]]) : (i32) -> ()
// CHECK: %[[ID1:.+]] = arith.constant 1 : i32
// CHECK-NEXT: call @kiln_rt_profile_enter(%[[ID1]])
// CHECK-NEXT: linalg.matmul
// CHECK-NEXT: call @kiln_rt_profile_exit(%[[ID1]])
// CHECK: arith.constant 2 : i32
// CHECK: linalg.generic
// CHECK: call @kiln_rt_profile_exit
// CHECK: arith.constant 3 : i32
// CHECK-NEXT: call @kiln_rt_profile_enter
// CHECK-NEXT: memref.copy
// CHECK-NEXT: call @kiln_rt_profile_exit
// CHECK: %[[ID4:.+]] = arith.constant 4 : i32
// CHECK-NEXT: call @kiln_rt_profile_enter(%[[ID4]])
// CHECK-NEXT: scf.for
// CHECK: call @kiln_rt_profile_exit(%[[ID4]])
// CHECK-NEXT: scf.if
// CHECK-NEXT: memref.dealloc
// CHECK-NOT: call @kiln_rt_profile
// CHECK: return
// CHECK-LABEL: func.func @kiln_output_dims
// CHECK-NOT: call @kiln_rt_profile
// CHECK: func.func private @kiln_rt_profile_enter(i32)
// CHECK: func.func private @kiln_rt_profile_exit(i32)
#id = affine_map<(d0, d1) -> (d0, d1)>
module attributes {kiln.node_op_types = {"/fc/MatMul" = "MatMul", "/fc/Add" = "Add",
                                         "/act/Relu" = "Relu", "/loop/Loop" = "Loop"}} {
  func.func @kiln_main(%a: memref<4x8xf32>, %b: memref<8x4xf32>, %out: memref<4x4xf32>,
                       %arena: memref<?xi8>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %true = arith.constant true
    %zero = arith.constant 0.0 : f32
    %t = memref.view %arena[%c0][] : memref<?xi8> to memref<4x4xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<4x4xf32>) loc("/fc/MatMul")
    linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x4xf32>) outs(%t : memref<4x4xf32>) loc("/fc/MatMul")
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%t : memref<4x4xf32>) {
    ^bb0(%x: f32):
      %y = arith.maximumf %x, %zero : f32
      linalg.yield %y : f32
    } loc(fused["/fc/Add", "/act/Relu"])
    memref.copy %t, %out : memref<4x4xf32> to memref<4x4xf32>
    %s = memref.alloc() : memref<4xf32>
    scf.for %i = %c0 to %c4 step %c1 {
      memref.store %zero, %s[%i] : memref<4xf32>
    } loc("/loop/Loop")
    scf.if %true {
      memref.dealloc %s : memref<4xf32>
    }
    return
  }
  func.func @kiln_output_dims(%a: memref<4x8xf32>, %dims: memref<2xi64>) {
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : i64
    memref.store %c4, %dims[%c0] : memref<2xi64>
    return
  }
}

// -----

// Tests that a module without @kiln_main is left alone.
// CHECK-LABEL: func.func @other
// CHECK-NOT: kiln_rt_profile
func.func @other(%a: memref<4xf32>, %b: memref<4xf32>) {
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  return
}

// -----

// Tests that instrumenting twice is an error (the ids would clash).
// expected-error @+1 {{the module is already instrumented ('kiln.profile_kernels' is set)}}
module attributes {kiln.profile_kernels = []} {
  func.func @kiln_main(%a: memref<4xf32>, %b: memref<4xf32>) {
    memref.copy %a, %b : memref<4xf32> to memref<4xf32>
    return
  }
}
