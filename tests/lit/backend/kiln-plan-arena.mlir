
// -----

// Tests that a checked broadcast's result size, select(a == 1, b, a) of two dims that share
// the batch's dim_param, is planned as one batch multiple (a 16 B row, 64 B aligned, per
// item), while a select
// between the batch and an unrelated size stays on the heap.
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
