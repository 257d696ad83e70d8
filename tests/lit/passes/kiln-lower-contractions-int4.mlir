// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=2 tile-vectors=2 vector-width=16" --cse %s | FileCheck %s

// A MatMul whose B (K = 4, N = 3) a blocked DequantizeLinear computes from constant 4-bit
// values (unsigned, zero points, blocks of 2 k rows): B stays 4-bit. The values are packed
// two k rows per byte ([1 panel][2 row pairs][32 columns]: 0x41 = q[0][0] | q[1][0] << 4),
// with an f32 scale and offset ((0 - zero point) * scale) per block and column. A parallel
// step is one panel and a row group of tiles: with several tiles it dequantizes the panel
// once into an f32 scratch panel (a row pair's 16 bytes, the nibbles of k, nibble * scale +
// offset) that the tiles read as a packed B; a single tile (M <= 2 here) dequantizes in its
// own k loop. The dequantizing generic is gone.
// CHECK-DAG: memref.global "private" constant @__kiln_int4_packed_0 : memref<1x2x32xi8>
// CHECK-DAG: memref.global "private" constant @__kiln_int4_scales_0 : memref<1x2x32xf32>
// CHECK-DAG: memref.global "private" constant @__kiln_int4_offsets_0 : memref<1x2x32xf32>
// CHECK-LABEL: func @unsigned_blocks
// CHECK-NOT: linalg.
// CHECK-DAG: %[[P:.+]] = memref.get_global @__kiln_int4_packed_0
// CHECK-DAG: %[[S:.+]] = memref.get_global @__kiln_int4_scales_0
// CHECK-DAG: %[[O:.+]] = memref.get_global @__kiln_int4_offsets_0
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: %[[PANEL:.+]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x32xf32>
// CHECK: scf.for %[[K:[^ ]+]] =
// CHECK: %[[PAIR:.+]] = arith.shrui %[[K]], %c1
// CHECK: %[[BLOCK:.+]] = arith.divui %[[K]], %c2
// CHECK: %[[BYTES:.+]] = vector.load %[[P]][{{.+}}, %[[PAIR]], {{.+}}] : memref<1x2x32xi8>, vector<16xi8>
// CHECK: %[[WIDE:.+]] = arith.extui %[[BYTES]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[SHIFTED:.+]] = arith.shrui %[[WIDE]]
// CHECK: %[[NIBBLE:.+]] = arith.andi %[[SHIFTED]]
// CHECK: %[[F:.+]] = arith.sitofp %[[NIBBLE]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[SC:.+]] = vector.load %[[S]][{{.+}}, %[[BLOCK]], {{.+}}] : memref<1x2x32xf32>, vector<16xf32>
// CHECK: %[[OF:.+]] = vector.load %[[O]][{{.+}}, %[[BLOCK]], {{.+}}] : memref<1x2x32xf32>, vector<16xf32>
// CHECK: %[[W:.+]] = vector.fma %[[F]], %[[SC]], %[[OF]] : vector<16xf32>
// CHECK: vector.store %[[W]], %[[PANEL]][%c0, %[[K]], %c0]
// CHECK: scf.for
// CHECK: %[[B:.+]] = vector.load %[[PANEL]]{{.+}} : memref<1x4x32xf32>, vector<16xf32>
// CHECK: vector.fma {{.+}}, %[[B]], {{.+}} : vector<16xf32>
// CHECK: } else {
// CHECK: scf.for
// CHECK: vector.load %[[P]]{{.+}} : memref<1x2x32xi8>, vector<16xi8>
// CHECK: %[[W1:.+]] = vector.fma {{.+}} : vector<16xf32>
// CHECK: vector.fma {{.+}}, %[[W1]], {{.+}} : vector<16xf32>
// CHECK-DAG: __kiln_int4_offsets_0: "0x04000000000080C000000000000000C0{{(00)+}}000000BF0000C0BF000080C0
// CHECK-DAG: __kiln_int4_packed_0: "0x01000000415263{{(00)+}}A7B8C9{{(00)+}}"
// CHECK-DAG: __kiln_int4_scales_0: "0x040000000000003F0000803F00000040
memref.global "private" constant @q : memref<4x3xi4> = dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]>
memref.global "private" constant @s : memref<2x3xf32> = dense<[[0.5, 1.0, 2.0], [0.25, 0.5, 1.0]]>
memref.global "private" constant @z : memref<2x3xi4> = dense<[[8, 0, 1], [2, 3, 4]]>
func.func @unsigned_blocks(%x: memref<?x4xf32>, %y: memref<?x3xf32>) {
  %cst = arith.constant 0.0 : f32
  %q = memref.get_global @q : memref<4x3xi4>
  %s = memref.get_global @s : memref<2x3xf32>
  %z = memref.get_global @z : memref<2x3xi4>
  %b = memref.alloc() : memref<4x3xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0 floordiv 2, d1)>,
                                   affine_map<(d0, d1) -> (d0 floordiv 2, d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%q, %s, %z : memref<4x3xi4>, memref<2x3xf32>, memref<2x3xi4>) outs(%b : memref<4x3xf32>) {
  ^bb0(%v: i4, %sc: f32, %zp: i4, %out: f32):
    %0 = arith.uitofp %v : i4 to f32
    %1 = arith.uitofp %zp : i4 to f32
    %2 = arith.subf %0, %1 : f32
    %3 = arith.mulf %2, %sc : f32
    linalg.yield %3 : f32
  }
  linalg.fill ins(%cst : f32) outs(%y : memref<?x3xf32>)
  linalg.matmul ins(%x, %b : memref<?x4xf32>, memref<4x3xf32>) outs(%y : memref<?x3xf32>)
  memref.dealloc %b : memref<4x3xf32>
  return
}

// -----

// Signed 8-bit values in -8..7 without zero points, one scale per column (per-axis): the
// nibbles are q + 8 and the offsets -8 * scale; one block of all K rows.
// CHECK-LABEL: func @signed_per_column
// CHECK-NOT: linalg.generic
// CHECK: vector.load {{.+}} : memref<1x2x32xi8>, vector<16xi8>
// CHECK: vector.load {{.+}} : memref<1x1x32xf32>, vector<16xf32>
// CHECK-DAG: __kiln_int4_offsets_0: "0x04000000000080C0000000C1
// CHECK-DAG: __kiln_int4_packed_0: "0x010000008F80{{(00)+}}000F
memref.global "private" constant @q : memref<3x2xi8> = dense<[[7, -8], [0, 0], [-8, 7]]>
memref.global "private" constant @s : memref<2xf32> = dense<[0.5, 1.0]>
func.func @signed_per_column(%x: memref<?x3xf32>, %y: memref<?x2xf32>) {
  %q = memref.get_global @q : memref<3x2xi8>
  %s = memref.get_global @s : memref<2xf32>
  %b = memref.alloc() : memref<3x2xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%q, %s : memref<3x2xi8>, memref<2xf32>) outs(%b : memref<3x2xf32>) {
  ^bb0(%v: i8, %sc: f32, %out: f32):
    %0 = arith.sitofp %v : i8 to f32
    %1 = arith.mulf %0, %sc : f32
    linalg.yield %1 : f32
  }
  linalg.matmul ins(%x, %b : memref<?x3xf32>, memref<3x2xf32>) outs(%y : memref<?x2xf32>)
  memref.dealloc %b : memref<3x2xf32>
  return
}

// -----

// 8-bit values that do not fit in 4 bits: the dequantization runs as it is and the
// contraction reads its f32 result.
// CHECK-LABEL: func @wide_values
// CHECK: linalg.generic
// CHECK-NOT: __kiln_int4
memref.global "private" constant @q : memref<2x2xi8> = dense<[[100, -8], [0, 0]]>
memref.global "private" constant @s : memref<2xf32> = dense<[0.5, 1.0]>
func.func @wide_values(%x: memref<?x2xf32>, %y: memref<?x2xf32>) {
  %q = memref.get_global @q : memref<2x2xi8>
  %s = memref.get_global @s : memref<2xf32>
  %b = memref.alloc() : memref<2x2xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%q, %s : memref<2x2xi8>, memref<2xf32>) outs(%b : memref<2x2xf32>) {
  ^bb0(%v: i8, %sc: f32, %out: f32):
    %0 = arith.sitofp %v : i8 to f32
    %1 = arith.mulf %0, %sc : f32
    linalg.yield %1 : f32
  }
  linalg.matmul ins(%x, %b : memref<?x2xf32>, memref<2x2xf32>) outs(%y : memref<?x2xf32>)
  memref.dealloc %b : memref<2x2xf32>
  return
}
