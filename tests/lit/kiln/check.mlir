// RUN: kiln-opt %s | kiln-opt | FileCheck %s

// Tests that kiln.check round-trips with integer and index operands.
// CHECK-LABEL: func @check
// CHECK: kiln.check %{{.+}}, %{{.+}}, %{{.+}} {code = 4 : i32, message = "node 'g' (Gather): index {} is out of range for axis 0 of size {}"} : i64, index
// CHECK: kiln.check %{{.+}}, %{{.+}}, %{{.+}} {code = 5 : i32, message = "node 'd' (Div): integer division by zero"} : i32, i32
func.func @check(%ok: i1, %i: i64, %n: index, %d: i32) {
  kiln.check %ok, %i, %n {code = 4 : i32, message = "node 'g' (Gather): index {} is out of range for axis 0 of size {}"} : i64, index
  kiln.check %ok, %d, %d {code = 5 : i32, message = "node 'd' (Div): integer division by zero"} : i32, i32
  return
}
