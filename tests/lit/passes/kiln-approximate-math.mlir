// RUN: kiln-opt --kiln-approximate-math %s | FileCheck %s

// f32 erf/exp/tanh (scalar and vector) become inline polynomials; f64 keeps the call.
// CHECK-LABEL: func @approximate
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp {{.*}} : vector<16xf32>
// CHECK-NOT: math.tanh
// CHECK: math.fma
// CHECK: math.exp {{.*}} : f64
func.func @approximate(%x: f32, %v: vector<16xf32>, %t: f32, %d: f64) -> (f32, vector<16xf32>, f32, f64) {
  %0 = math.erf %x : f32
  %1 = math.exp %v : vector<16xf32>
  %2 = math.tanh %t : f32
  %3 = math.exp %d : f64
  return %0, %1, %2, %3 : f32, vector<16xf32>, f32, f64
}
