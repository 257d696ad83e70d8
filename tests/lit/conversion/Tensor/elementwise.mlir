// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Where checks each of its three operands against the broadcast so far.
// CHECK-LABEL: func.func @where_three
// CHECK: kiln.check {{.*}}message = "node 'w' (Where): input 1 has size {} in dim 0 where the others have {}
// CHECK: kiln.check {{.*}}message = "node 'w' (Where): input 2 has size {} in dim 0 where the others have {}
// CHECK-COUNT-3: scf.if
func.func @where_three(%c: tensor<?xi1>, %x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  %0 = "onnx.Where"(%c, %x, %y) : (tensor<?xi1>, tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32> loc("w")
  return %0 : tensor<?xf32>
}
