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

// -----

// Tests that ops on values every lane shares stay scalar: the row index (linalg.index of
// an outer dim), its parity and the select of a coefficient by it are computed once per
// vector step and broadcast into the vector multiply (Winograd's output transform).
// CHECK-LABEL: func.func @uniform
// CHECK: scf.parallel (%[[I:.+]]) =
// CHECK: scf.for
// CHECK: %[[V:.+]] = vector.load
// CHECK: %[[ODD:.+]] = arith.remui %[[I]], %{{.+}} : index
// CHECK: %[[C:.+]] = arith.select %{{.+}}, %{{.+}}, %{{.+}} : f32
// CHECK: %[[B:.+]] = vector.broadcast %[[C]] : f32 to vector<16xf32>
// CHECK: arith.mulf %[[B]], %[[V]] : vector<16xf32>
// CHECK-NOT: linalg.index
func.func @uniform(%in: memref<4x32xf32>, %out: memref<8x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0 floordiv 2, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<4x32xf32>) outs(%out : memref<8x32xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 0 : index
    %c2 = arith.constant 2 : index
    %c0 = arith.constant 0 : index
    %r = arith.remui %i, %c2 : index
    %odd = arith.cmpi ne, %r, %c0 : index
    %one = arith.constant 1.0 : f32
    %neg = arith.constant -1.0 : f32
    %coef = arith.select %odd, %neg, %one : f32
    %y = arith.mulf %coef, %x : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Tests that the index of the vector dim itself (a different value in every lane) keeps
// the generic out of this pass.
// CHECK-LABEL: func.func @lane_index
// CHECK: linalg.generic
func.func @lane_index(%in: memref<4x32xf32>, %out: memref<4x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<4x32xf32>) outs(%out : memref<4x32xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %o: f32):
    %j = linalg.index 1 : index
    %jf = arith.index_cast %j : index to i32
    %f = arith.sitofp %jf : i32 to f32
    %y = arith.mulf %f, %x : f32
    linalg.yield %y : f32
  }
  return
}
