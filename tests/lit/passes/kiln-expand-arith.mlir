// RUN: kiln-opt --kiln-expand-arith %s | FileCheck %s

// The max that combines a reduction (reassoc, set by kiln-relax-reductions) stays an
// arith.maximumf for LLVM's vectorizer; an elementwise max (Relu) and the integer
// ceil/floor divisions are expanded as upstream arith-expand does.
// CHECK-LABEL: func @expand
// CHECK-NOT: arith.ceildivsi
// CHECK: arith.maximumf %{{.+}}, %{{.+}} fastmath<reassoc,nsz> : f32
// CHECK-NOT: arith.maximumf
// CHECK: arith.cmpf ugt
// CHECK: arith.select
// CHECK: arith.cmpf uno
// CHECK: arith.select
func.func @expand(%a: i32, %b: i32, %x: f32, %acc: f32) -> (i32, f32, f32) {
  %q = arith.ceildivsi %a, %b : i32
  %m = arith.maximumf %x, %acc fastmath<reassoc,nsz> : f32
  %zero = arith.constant 0.0 : f32
  %r = arith.maximumf %x, %zero : f32
  return %q, %m, %r : i32, f32, f32
}
