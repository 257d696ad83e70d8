// RUN: kiln-opt --kiln-lower-contractions="tile-rows=2 tile-vectors=2 vector-width=16 fp16-weights=true" --cse %s | FileCheck %s
// RUN: kiln-opt --kiln-lower-contractions="tile-rows=2 tile-vectors=2 vector-width=16 fp16-weights=true keep-fp32=fc" --cse %s | FileCheck %s --check-prefix=KEPT

// A Linear layer (K = 3, N = 6) with a bias + ReLU epilogue. With fp16-weights, B is packed
// at compile time in fp16 ([1 panel][K = 3][32 columns], 1.0 = 0x3C00, 2.0 = 0x4000, ...),
// and each k step loads a row of it and widens it to f32 before the FMAs; A, the sums and
// the epilogue stay f32.
// CHECK: memref.global "private" constant @__kiln_packed_0 : memref<1x3x32xf16>
// CHECK-LABEL: func @linear
// CHECK-NOT: linalg.
// CHECK: %[[P:.+]] = memref.get_global @__kiln_packed_0 : memref<1x3x32xf16>
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: %[[H:.+]] = vector.load %[[P]]{{.+}} : memref<1x3x32xf16>, vector<16xf16>
// CHECK: %[[F:.+]] = arith.extf %[[H]] : vector<16xf16> to vector<16xf32>
// CHECK: vector.fma {{.+}}, %[[F]], {{.+}} : vector<16xf32>
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: kiln_packed_0: "0x02000000003C00440047003C0000000000
// CHECK-SAME: 0040004500480000003C0000

// --keep-fp32 names the node: the weight is packed in f32.
// KEPT: memref.global "private" constant @__kiln_packed_0 : memref<1x3x32xf32>
// KEPT-NOT: f16
memref.global "private" constant @w : memref<6x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]>
func.func @linear(%x: memref<?x3xf32>, %bias: memref<6xf32>, %y: memref<?x6xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<6x3xf32>
  linalg.fill ins(%cst : f32) outs(%y : memref<?x6xf32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                 affine_map<(d0, d1, d2) -> (d1, d2)>,
                                 affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%x, %w : memref<?x3xf32>, memref<6x3xf32>) outs(%y : memref<?x6xf32>) loc("fc")
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : memref<?x6xf32>, memref<6xf32>) outs(%y : memref<?x6xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    %r = arith.maximumf %s, %cst : f32
    linalg.yield %r : f32
  }
  return
}
