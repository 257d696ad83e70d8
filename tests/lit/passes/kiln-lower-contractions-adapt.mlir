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
