// RUN: kiln-opt --split-input-file --kiln-plan-arena=num-model-inputs=1 %s | FileCheck %s

// Tests that buffers with disjoint lifetimes share arena memory and that buffers live at the
// same time do not overlap; the plan is recorded on the module.
// CHECK: module attributes {kiln.arena_base_bytes = 512 : i64, kiln.arena_buffers = 3 : i64, kiln.arena_per_batch_bytes = 0 : i64, kiln.heap_buffers = 0 : i64, kiln.intermediates_bytes = 768 : i64}
// CHECK-LABEL: func @kiln_main
// CHECK-SAME: %[[ARENA:[a-z0-9]+]]: memref<?xi8>)
func.func @kiln_main(%in: memref<64xf32>, %out: memref<64xf32>) {
  // CHECK: %[[O1:.+]] = arith.constant 0 : index
  // CHECK-NEXT: memref.view %[[ARENA]][%[[O1]]][] : memref<?xi8> to memref<64xf32>
  // CHECK: %[[O2:.+]] = arith.constant 256 : index
  // CHECK-NEXT: memref.view %[[ARENA]][%[[O2]]][] : memref<?xi8> to memref<64xf32>
  // CHECK: %[[O3:.+]] = arith.constant 0 : index
  // CHECK-NEXT: memref.view %[[ARENA]][%[[O3]]][] : memref<?xi8> to memref<64xf32>
  // CHECK-NOT: memref.alloc
  %a = memref.alloc() : memref<64xf32>
  memref.copy %in, %a : memref<64xf32> to memref<64xf32>
  %b = memref.alloc() : memref<64xf32>
  memref.copy %a, %b : memref<64xf32> to memref<64xf32>
  %c = memref.alloc() : memref<64xf32>
  memref.copy %b, %c : memref<64xf32> to memref<64xf32>
  memref.copy %c, %out : memref<64xf32> to memref<64xf32>
  return
}

// -----

// Tests that buffers sized by the batch get offsets linear in the batch, read from the
// input's dynamic dimension (two buffers live together: 2 x 64 B per batch item), and that
// a size not linear in the batch stays on the heap.
// CHECK: module attributes {kiln.arena_base_bytes = 0 : i64, kiln.arena_buffers = 2 : i64, kiln.arena_per_batch_bytes = 128 : i64, kiln.heap_buffers = 1 : i64, kiln.intermediates_bytes = 36 : i64}
// CHECK-LABEL: func @kiln_main
func.func @kiln_main(%in: memref<?x4xf32> {onnx.dim_params = ["N", ""]}, %out: memref<?x4xf32>, %k: index) {
  // CHECK: %[[N:.+]] = memref.dim %arg0, %{{.+}} : memref<?x4xf32>
  // CHECK: memref.view %{{.+}}[%{{.+}}][%{{.+}}] : memref<?xi8> to memref<?x4xf32>
  // CHECK: %[[PER:.+]] = arith.constant 64 : index
  // CHECK: %[[OFF:.+]] = arith.muli %[[N]], %[[PER]] : index
  // CHECK: memref.view %{{.+}}[%{{.+}}][%{{.+}}] : memref<?xi8> to memref<?x4xf32>
  // CHECK: memref.alloc(%{{.+}}) : memref<?xf32>
  %c0 = arith.constant 0 : index
  %n = memref.dim %in, %c0 : memref<?x4xf32>
  %a = memref.alloc(%n) : memref<?x4xf32>
  memref.copy %in, %a : memref<?x4xf32> to memref<?x4xf32>
  %b = memref.alloc(%n) : memref<?x4xf32>
  memref.copy %a, %b : memref<?x4xf32> to memref<?x4xf32>
  memref.copy %b, %out : memref<?x4xf32> to memref<?x4xf32>
  %h = memref.alloc(%k) : memref<?xf32>
  memref.dealloc %h : memref<?xf32>
  return
}

// -----

// Tests that a size traced through a reshape is a multiple of the batch: rows of the
// [N*3, 4] collapse of an [N, 3, 4] buffer are 3 * N, so the second buffer takes
// 3 * 4 * 4 = 48 B (64 B aligned) per batch item after the first's; N * N stays on the heap.
// CHECK: module attributes {kiln.arena_base_bytes = 0 : i64, kiln.arena_buffers = 2 : i64, kiln.arena_per_batch_bytes = 128 : i64, kiln.heap_buffers = 1 : i64
// CHECK-LABEL: func @kiln_main
func.func @kiln_main(%in: memref<?x3x4xf32>, %out: memref<?x4xf32>) {
  // CHECK-COUNT-2: memref.view
  // CHECK: memref.alloc
  %c0 = arith.constant 0 : index
  %n = memref.dim %in, %c0 : memref<?x3x4xf32>
  %a = memref.alloc(%n) : memref<?x3x4xf32>
  memref.copy %in, %a : memref<?x3x4xf32> to memref<?x3x4xf32>
  %flat = memref.collapse_shape %a [[0, 1], [2]] : memref<?x3x4xf32> into memref<?x4xf32>
  %rows = memref.dim %flat, %c0 : memref<?x4xf32>
  %b = memref.alloc(%rows) : memref<?x4xf32>
  memref.copy %flat, %b : memref<?x4xf32> to memref<?x4xf32>
  %nn = arith.muli %n, %n : index
  %h = memref.alloc(%nn) : memref<?xf32>
  memref.dealloc %h : memref<?xf32>
  memref.copy %b, %out : memref<?x4xf32> to memref<?x4xf32>
  return
}

// -----

// Tests that a checked broadcast's result size, select(a == 1, b, a) of two dims that share
// the batch's dim_param, is planned as one batch multiple (a 16 B row, 64 B aligned, per
// item), while a select between the batch and an unrelated size stays on the heap.
// CHECK: module attributes {kiln.arena_base_bytes = 0 : i64, kiln.arena_buffers = 1 : i64, kiln.arena_per_batch_bytes = 64 : i64, kiln.heap_buffers = 1 : i64
// CHECK-LABEL: func @kiln_main
func.func @kiln_main(%x: memref<?x4xf32> {onnx.dim_params = ["N", ""]},
                     %m: memref<?x4xf32> {onnx.dim_params = ["N", ""]},
                     %out: memref<?x4xf32>, %k: index) {
  // CHECK: memref.view %{{.+}}[%{{.+}}][%{{.+}}] : memref<?xi8> to memref<?x4xf32>
  // CHECK: memref.alloc(%{{.+}}) : memref<?x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.dim %x, %c0 : memref<?x4xf32>
  %b = memref.dim %m, %c0 : memref<?x4xf32>
  %one = arith.cmpi eq, %a, %c1 : index
  %size = arith.select %one, %b, %a : index
  %buf = memref.alloc(%size) : memref<?x4xf32>
  memref.copy %x, %buf : memref<?x4xf32> to memref<?x4xf32>
  memref.copy %buf, %out : memref<?x4xf32> to memref<?x4xf32>
  %mixed = arith.select %one, %k, %a : index
  %h = memref.alloc(%mixed) : memref<?x4xf32>
  memref.dealloc %h : memref<?x4xf32>
  return
}
