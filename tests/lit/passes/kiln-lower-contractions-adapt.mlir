// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=8 tile-vectors=2 vector-width=16 adapt-tiles=true" %s | FileCheck %s

// With adapt-tiles, N = 48 takes one panel of three 16-lane vectors (8 x 48 tiles)
// instead of a 32-wide panel and a half-empty one; N = 64 keeps the default two vectors;
// N = 12 takes one vector (a 32-wide panel would waste 20 lanes).
// CHECK-DAG: memref.global "private" constant @{{.+}} : memref<1x8x48xf32>
// CHECK-DAG: memref.global "private" constant @{{.+}} : memref<2x8x32xf32>
// CHECK-DAG: memref.global "private" constant @{{.+}} : memref<1x8x16xf32>
memref.global "private" constant @w48 : memref<8x48xf32> = dense<1.0>
memref.global "private" constant @w64 : memref<8x64xf32> = dense<2.0>
memref.global "private" constant @w12 : memref<8x12xf32> = dense<3.0>
// CHECK-LABEL: func @widths
func.func @widths(%a: memref<20x8xf32>, %y48: memref<20x48xf32>, %y64: memref<20x64xf32>,
                  %y12: memref<20x12xf32>) {
  %m48 = memref.get_global @w48 : memref<8x48xf32>
  %m64 = memref.get_global @w64 : memref<8x64xf32>
  %m12 = memref.get_global @w12 : memref<8x12xf32>
  linalg.matmul ins(%a, %m48 : memref<20x8xf32>, memref<8x48xf32>) outs(%y48 : memref<20x48xf32>)
  linalg.matmul ins(%a, %m64 : memref<20x8xf32>, memref<8x64xf32>) outs(%y64 : memref<20x64xf32>)
  linalg.matmul ins(%a, %m12 : memref<20x8xf32>, memref<8x12xf32>) outs(%y12 : memref<20x12xf32>)
  return
}

// -----

// M = 20 rows take two 10-row tiles (20 accumulators) instead of 8 + 8 + 4 rows; each
// tile loads A once per row per k: 10 scalar loads, then 20 FMAs. The group's last tile
// prefetches the next packed B panel's row to L2 (locality 2) as it reads its own
// (K = 80 is not short: tiles run in row groups, not row by row).
// CHECK-LABEL: func @rows20
// CHECK: scf.for
// CHECK: memref.prefetch %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}], read, locality<2>, data
// CHECK-COUNT-10: memref.load %arg0
// CHECK-NOT: memref.load %arg0
// CHECK: scf.yield
memref.global "private" constant @w : memref<80x64xf32> = dense<2.0>
func.func @rows20(%a: memref<20x80xf32>, %y: memref<20x64xf32>) {
  %m = memref.get_global @w : memref<80x64xf32>
  linalg.matmul ins(%a, %m : memref<20x80xf32>, memref<80x64xf32>) outs(%y : memref<20x64xf32>)
  return
}
