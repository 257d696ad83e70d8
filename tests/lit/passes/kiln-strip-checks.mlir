// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-strip-checks,canonicalize)' | FileCheck %s

// Tests that every kiln.check goes, and with canonicalize what only computed its operands.
// CHECK-LABEL: func @gather_like
// CHECK-NOT: kiln.check
// CHECK-NOT: arith.cmpi
// CHECK: return %arg0
func.func @gather_like(%t: tensor<?xf32>, %i: i64, %n: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : i64
  %nonneg = arith.cmpi sge, %i, %c0 : i64
  %ni = arith.index_cast %n : index to i64
  %below = arith.cmpi slt, %i, %ni : i64
  %ok = arith.andi %nonneg, %below : i1
  kiln.check %ok, %i, %n {code = 4 : i32, message = "node 'g' (Gather): index {} is out of range for axis 0 of size {}"} : i64, index
  return %t : tensor<?xf32>
}
