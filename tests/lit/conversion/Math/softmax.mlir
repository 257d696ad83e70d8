// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Softmax subtracts the max along the axis before exponentiating.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: [[RED:#.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x5xf32>)
// CHECK: [[NINF:%.+]] = arith.constant 0xFF800000 : f32
// CHECK: [[MAX:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins([[X]] : tensor<?x3x5xf32>) outs(%{{.+}} : tensor<?x5xf32>)
// CHECK: arith.maximumf
// CHECK: [[SUM:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[RED]], [[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins([[X]], [[MAX]] :
// CHECK: math.exp
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[RED]], [[RED]], [[ID]]]{{.*}} ins([[X]], [[MAX]], [[SUM]] :
// CHECK: [[SH:%.+]] = arith.subf
// CHECK: [[E:%.+]] = math.exp [[SH]]
// CHECK: arith.divf [[E]],
// CHECK: return [[R]]
func.func @softmax(%x: tensor<?x3x5xf32>) -> tensor<?x3x5xf32> {
  %0 = "onnx.Softmax"(%x) {axis = 1 : i64} : (tensor<?x3x5xf32>) -> tensor<?x3x5xf32>
  return %0 : tensor<?x3x5xf32>
}

// -----

// Tests that LogSoftmax is x - max - log(sum(exp(x - max))).
// CHECK-LABEL: func.func @logsoftmax
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: [[SH:%.+]] = arith.subf
// CHECK: [[LOG:%.+]] = math.log
// CHECK: arith.subf [[SH]], [[LOG]]
func.func @logsoftmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = "onnx.LogSoftmax"(%x) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Tests that Hardmax computes the first argmax along the axis, then compares indices.
// CHECK-LABEL: func.func @hardmax
// CHECK: [[ARG:%.+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.+}} : tensor<2x5xf32>) outs(%{{.+}}, %{{.+}} : tensor<2xf32>, tensor<2xi64>)
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK: linalg.generic {{.*}} ins([[ARG]]#1 : tensor<2xi64>)
// CHECK: arith.cmpi eq
func.func @hardmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = "onnx.Hardmax"(%x) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Tests that Softmax checks a dynamic input against a static result type.
// CHECK-LABEL: func.func @softmax_static_result
// CHECK: kiln.check {{.*}}message = "node 'sm' (Softmax): the input has size {} in dim 0 where the model's shapes imply {}"
func.func @softmax_static_result(%x: tensor<?xf32>) -> tensor<3xf32> {
  %0 = "onnx.Softmax"(%x) <{axis = -1 : i64}> : (tensor<?xf32>) -> tensor<3xf32> loc("sm")
  return %0 : tensor<3xf32>
}

// -----

// Tests that an f16 Softmax takes the max in f16 and sums in f32, rounding to f16 where
// the ONNX function body has f16 values: x - max, each exp, the sum, the quotient.
// CHECK-LABEL: func.func @softmax_f16_sums_in_f32
// CHECK: arith.maximumf %{{.+}}, %{{.+}} : f16
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<2xf32>)
// CHECK: [[D:%.+]] = arith.subf %{{.+}}, %{{.+}} : f32
// CHECK: [[DH:%.+]] = arith.truncf [[D]] : f32 to f16
// CHECK: [[DF:%.+]] = arith.extf [[DH]] : f16 to f32
// CHECK: [[E:%.+]] = math.exp [[DF]] : f32
// CHECK: [[EH:%.+]] = arith.truncf [[E]] : f32 to f16
// CHECK: [[EF:%.+]] = arith.extf [[EH]] : f16 to f32
// CHECK: arith.addf %{{.+}}, [[EF]] : f32
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}}, [[SUM]] : tensor<2x5xf16>, tensor<2xf16>, tensor<2xf32>)
// CHECK: ^bb0(%{{.+}}: f16, %{{.+}}: f16, [[S:%.+]]: f32, %{{.+}}: f16):
// CHECK: [[SH:%.+]] = arith.truncf [[S]] : f32 to f16
// CHECK: [[SF:%.+]] = arith.extf [[SH]] : f16 to f32
// CHECK: [[E2:%.+]] = math.exp
// CHECK: [[E2H:%.+]] = arith.truncf [[E2]] : f32 to f16
// CHECK: [[E2F:%.+]] = arith.extf [[E2H]] : f16 to f32
// CHECK: [[Q:%.+]] = arith.divf [[E2F]], [[SF]] : f32
// CHECK: arith.truncf [[Q]] : f32 to f16
func.func @softmax_f16_sums_in_f32(%x: tensor<2x5xf16>) -> tensor<2x5xf16> {
  %0 = "onnx.Softmax"(%x) {axis = -1 : i64} : (tensor<2x5xf16>) -> tensor<2x5xf16>
  return %0 : tensor<2x5xf16>
}
