// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Scan becomes scf.for over the scan axis, slicing the input and inserting the
// output row by row.
// CHECK-LABEL: func.func @scan_sum
// CHECK: scf.for {{.*}} iter_args
// CHECK: tensor.extract_slice {{.*}} : tensor<3x2xf32> to tensor<2xf32>
// CHECK: linalg.generic
// CHECK: tensor.insert_slice {{.*}} into tensor<3x2xf32>
// CHECK: scf.yield
func.func @scan_sum(%init: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %0:2 = "onnx.Scan"(%init, %x) <{num_scan_inputs = 1 : i64}> ({
  ^bb0(%s: tensor<2xf32>, %e: tensor<2xf32>):
    %1 = "onnx.Add"(%s, %e) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1, %1 : tensor<2xf32>, tensor<2xf32>
  }) : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<3x2xf32>
}

// -----

// Tests that Scan-8 loops over the batch around the scan: each entry's sequence length is
// read from sequence_lens and checked, its state sliced out, its inputs read at [b, t]
// (reverse: from the end of its own sequence), and the zero-filled outputs written at
// [b, t].
// CHECK-LABEL: func.func @scan8_sequence_lens
// CHECK: linalg.fill
// CHECK: scf.for [[B:%.+]] = {{.*}} iter_args
// CHECK: tensor.extract %{{.+}}{{\[}}[[B]]] : tensor<3xi64>
// CHECK: kiln.check
// CHECK: tensor.extract_slice %{{.+}}{{\[}}[[B]], 0] [1, 2] [1, 1] : tensor<3x2xf32> to tensor<2xf32>
// CHECK: scf.for [[T:%.+]] = {{.*}} iter_args
// CHECK: [[REV:%.+]] = arith.subi %{{.+}}, [[T]]
// CHECK: tensor.extract_slice %{{.+}}{{\[}}[[B]], [[REV]], 0] [1, 1, 2] [1, 1, 1] : tensor<3x4x2xf32> to tensor<2xf32>
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}{{\[}}[[B]], [[T]], 0] [1, 1, 2] [1, 1, 1] : tensor<2xf32> into tensor<3x4x2xf32>
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}{{\[}}[[B]], 0] [1, 2] [1, 1] : tensor<2xf32> into tensor<3x2xf32>
func.func @scan8_sequence_lens(%lens: tensor<3xi64>, %init: tensor<3x2xf32>, %x: tensor<3x4x2xf32>) -> (tensor<3x2xf32>, tensor<3x4x2xf32>) {
  %0:2 = "onnx.ScanV8"(%lens, %init, %x) <{num_scan_inputs = 1 : i64, directions = array<i64: 1>}> ({
  ^bb0(%s: tensor<2xf32>, %e: tensor<2xf32>):
    %1 = "onnx.Add"(%s, %e) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1, %1 : tensor<2xf32>, tensor<2xf32>
  }) : (tensor<3xi64>, tensor<3x2xf32>, tensor<3x4x2xf32>) -> (tensor<3x2xf32>, tensor<3x4x2xf32>)
  return %0#0, %0#1 : tensor<3x2xf32>, tensor<3x4x2xf32>
}
