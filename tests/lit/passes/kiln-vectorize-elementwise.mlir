// RUN: kiln-opt --split-input-file --kiln-vectorize-elementwise=vector-width=16 %s | FileCheck %s

// Tests that a marked generic with two results becomes a parallel loop over its outer
// dims around 16-lane steps along the innermost one (20 = 16 + a masked 4): masked
// loads at each input's map (row 2 * i + 1 here), the body on vectors, masked stores.
// CHECK-LABEL: func.func @marked
// CHECK: scf.parallel (%[[I:.+]]) =
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %c16
// CHECK: %[[MASK:.+]] = vector.create_mask %{{.+}} : vector<16xi1>
// CHECK: vector.maskedload %{{.+}}[%{{.+}}, %[[J]]], %[[MASK]]
// CHECK: vector.maskedload
// CHECK: arith.addf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK: arith.subf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK: vector.maskedstore %{{.+}}[%[[I]], %[[J]]], %[[MASK]]
// CHECK: vector.maskedstore %{{.+}}[%[[I]], %[[J]]], %[[MASK]]
// CHECK-NOT: linalg.generic
func.func @marked(%in: memref<9x20xf32>, %a: memref<4x20xf32>, %b: memref<4x20xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0 * 2, d1)>, affine_map<(d0, d1) -> (d0 * 2 + 1, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in, %in : memref<9x20xf32>, memref<9x20xf32>) outs(%a, %b : memref<4x20xf32>, memref<4x20xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %y: f32, %o: f32, %p: f32):
    %s = arith.addf %x, %y : f32
    %d = arith.subf %x, %y : f32
    linalg.yield %s, %d : f32, f32
  }
  return
}

// -----

// Tests that an unmarked generic, and a marked one whose innermost loop dim is not the
// innermost dim of every operand, are left alone.
// CHECK-LABEL: func.func @unmarked
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @unmarked(%in: memref<4x20xf32>, %out: memref<4x20xf32>, %t: memref<20x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<4x20xf32>) outs(%out : memref<4x20xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %x : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1, d0)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<4x20xf32>) outs(%t : memref<20x4xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  return
}
