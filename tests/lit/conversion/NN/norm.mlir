// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that inference BatchNormalization is one elementwise generic reading the
// per-channel operands through (d1).
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: [[CH:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batchnorm
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x4x4xf32>, [[S:%.+]]: tensor<3xf32>, [[B:%.+]]: tensor<3xf32>, [[M:%.+]]: tensor<3xf32>, [[V:%.+]]: tensor<3xf32>)
// CHECK: [[EPS:%.+]] = arith.constant 1.000000e-03 : f32
// CHECK: linalg.generic {indexing_maps = {{\[}}[[ID]], [[CH]], [[CH]], [[CH]], [[CH]], [[ID]]]{{.*}} ins([[X]], [[S]], [[B]], [[M]], [[V]] :
// CHECK: ^bb0([[XI:%.+]]: f32, [[SI:%.+]]: f32, [[BI:%.+]]: f32, [[MI:%.+]]: f32, [[VI:%.+]]: f32, %{{.+}}: f32):
// CHECK: [[VE:%.+]] = arith.addf [[VI]], [[EPS]] : f32
// CHECK: [[SD:%.+]] = math.sqrt [[VE]] : f32
// CHECK: [[D:%.+]] = arith.subf [[XI]], [[MI]] : f32
// CHECK: [[NORM:%.+]] = arith.divf [[D]], [[SD]] : f32
// CHECK: [[SC:%.+]] = arith.mulf [[NORM]], [[SI]] : f32
// CHECK: [[Y:%.+]] = arith.addf [[SC]], [[BI]] : f32
// CHECK: linalg.yield [[Y]]
func.func @batchnorm(%x: tensor<?x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<?x3x4x4xf32> {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %b, %m, %v) {epsilon = 1.000000e-03 : f32} : (tensor<?x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x3x4x4xf32>, none, none)
  return %0#0 : tensor<?x3x4x4xf32>
}

// -----

// Tests that InstanceNormalization reduces the spatial dims per (n, c), twice (sum, then
// squared deviations).
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: [[NC:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: [[CH:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @instancenorm
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x4x5xf32>, [[S:%.+]]: tensor<3xf32>, [[B:%.+]]: tensor<3xf32>)
// CHECK: [[SUM:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins([[X]] : tensor<?x3x4x5xf32>) outs(%{{.+}} : tensor<?x3xf32>)
// CHECK: [[SQ:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[NC]], [[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins([[X]], [[SUM]] : tensor<?x3x4x5xf32>, tensor<?x3xf32>)
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[NC]], [[NC]], [[CH]], [[CH]], [[ID]]]{{.*}} ins([[X]], [[SUM]], [[SQ]], [[S]], [[B]] :
// CHECK: math.sqrt
// CHECK: return [[R]]
func.func @instancenorm(%x: tensor<?x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<?x3x4x5xf32> {
  %0 = "onnx.InstanceNormalization"(%x, %s, %b) : (tensor<?x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x4x5xf32>
  return %0 : tensor<?x3x4x5xf32>
}

// -----

// Tests that LayerNormalization over the last dim with a dynamic batch and sequence
// reduces d2 and broadcasts Scale and B along it.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: [[ROW:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: [[LAST:#.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layernorm
// CHECK-SAME: ([[X:%.+]]: tensor<?x?x8xf32>, [[S:%.+]]: tensor<8xf32>, [[B:%.+]]: tensor<8xf32>)
// CHECK: [[COUNT:%.+]] = arith.constant 8.000000e+00 : f32
// CHECK-DAG: [[D0:%.+]] = tensor.dim [[X]], %c0
// CHECK-DAG: [[D1:%.+]] = tensor.dim [[X]], %c1
// CHECK: tensor.empty([[D0]], [[D1]]) : tensor<?x?xf32>
// CHECK: [[SUM:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins([[X]] : tensor<?x?x8xf32>)
// CHECK: [[SQ:%.+]] = linalg.generic {{.*}} ins([[X]], [[SUM]] : tensor<?x?x8xf32>, tensor<?x?xf32>)
// CHECK: arith.divf %{{.+}}, [[COUNT]] : f32
// CHECK: [[EPS:%.+]] = arith.constant 9.99999974E-6 : f32
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]], [[ROW]], [[LAST]], [[LAST]], [[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins([[X]], [[SUM]], [[SQ]], [[S]], [[B]] :
// CHECK: arith.addf %{{.+}}, [[EPS]] : f32
// CHECK: math.sqrt
// CHECK: return [[R]]
func.func @layernorm(%x: tensor<?x?x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %0:3 = "onnx.LayerNormalization"(%x, %s, %b) {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<?x?x8xf32>, none, none)
  return %0#0 : tensor<?x?x8xf32>
}

// -----

// Tests that stash_type = 1 computes f16 LayerNormalization statistics in f32.
// CHECK-LABEL: func.func @layernorm_f16
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<2x8xf16>) outs(%{{.+}} : tensor<2xf32>)
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<2x8xf16>)
// CHECK: [[X:%.+]] = arith.extf %{{.+}} : f16 to f32
// CHECK: [[D:%.+]] = arith.subf [[X]], %{{.+}} : f32
// CHECK: [[N:%.+]] = arith.divf [[D]], %{{.+}} : f32
// CHECK: [[H:%.+]] = arith.truncf [[N]] : f32 to f16
// CHECK: arith.mulf [[H]], %{{.+}} : f16
func.func @layernorm_f16(%x: tensor<2x8xf16>, %s: tensor<8xf16>) -> tensor<2x8xf16> {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) : (tensor<2x8xf16>, tensor<8xf16>, none) -> (tensor<2x8xf16>, none, none)
  return %0#0 : tensor<2x8xf16>
}

// -----

// Tests that LayerNormalization with its Mean and InvStdDev outputs used returns
// sum / n and 1 / sqrt(var + epsilon) over the kept dims, shaped [d0, 1, 1].
// CHECK-LABEL: func.func @layernorm_stats
// CHECK-SAME: ([[X:%.+]]: tensor<2x3x4xf32>
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins([[X]] : tensor<2x3x4xf32>)
// CHECK: [[SQ:%.+]] = linalg.generic {{.*}} ins([[X]], [[SUM]] : tensor<2x3x4xf32>, tensor<2xf32>)
// CHECK: [[MEAN:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins([[SUM]], [[SQ]] : tensor<2xf32>, tensor<2xf32>)
// CHECK: arith.divf
// CHECK: [[M:%.+]] = tensor.expand_shape [[MEAN]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1] : tensor<2xf32> into tensor<2x1x1xf32>
// CHECK: [[INV:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins([[SUM]], [[SQ]] : tensor<2xf32>, tensor<2xf32>)
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: [[I:%.+]] = tensor.expand_shape [[INV]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1] : tensor<2xf32> into tensor<2x1x1xf32>
// CHECK: return %{{.+}}, [[M]], [[I]]
func.func @layernorm_stats(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, none) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>
}

// -----

// Tests that RMSNormalization sums squares over the dims from axis on (no mean is
// subtracted), divides by sqrt(mean square + epsilon) and broadcasts scale.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: [[ROW:#.+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: [[LAST:#.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @rmsnorm
// CHECK-SAME: ([[X:%.+]]: tensor<2x3x4xf32>, [[S:%.+]]: tensor<4xf32>)
// CHECK: [[COUNT:%.+]] = arith.constant 1.200000e+01 : f32
// CHECK: [[SQ:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]]], iterator_types = ["parallel", "reduction", "reduction"]} ins([[X]] : tensor<2x3x4xf32>)
// CHECK: arith.mulf
// CHECK: [[EPS:%.+]] = arith.constant 1.000000e-01 : f32
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]], [[LAST]], [[ID]]], {{.*}} ins([[X]], [[SQ]], [[S]] :
// CHECK: arith.divf %{{.+}}, [[COUNT]] : f32
// CHECK: arith.addf %{{.+}}, [[EPS]] : f32
// CHECK: math.sqrt
// CHECK: return [[R]]
func.func @rmsnorm(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = "onnx.RMSNormalization"(%x, %s) {axis = 1 : i64, epsilon = 1.000000e-01 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Tests that GroupNormalization views X as [N, G, C / G, D], normalizes each group over its
// channels and D, reads the per-channel scale and bias as [G, C / G] and collapses back.
// CHECK-DAG: [[GRP:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-LABEL: func.func @groupnorm
// CHECK-SAME: ([[X:%.+]]: tensor<2x4x3xf32>, [[S:%.+]]: tensor<4xf32>, [[B:%.+]]: tensor<4xf32>)
// CHECK-DAG: [[XG:%.+]] = tensor.expand_shape [[X]] {{\[\[}}0], [1, 2], [3]] output_shape [2, 2, 2, 3]
// CHECK-DAG: [[SG:%.+]] = tensor.expand_shape [[S]] {{\[\[}}0, 1]] output_shape [2, 2]
// CHECK-DAG: [[BG:%.+]] = tensor.expand_shape [[B]] {{\[\[}}0, 1]] output_shape [2, 2]
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins([[XG]] : tensor<2x2x2x3xf32>)
// CHECK: [[Y:%.+]] = linalg.generic {indexing_maps = [{{.*}}, [[GRP]], [[GRP]], {{.*}}]{{.*}} ins([[XG]], [[SUM]], %{{.+}}, [[SG]], [[BG]] :
// CHECK: [[R:%.+]] = tensor.collapse_shape [[Y]] {{\[\[}}0], [1, 2], [3]] : tensor<2x2x2x3xf32> into tensor<2x4x3xf32>
// CHECK: return [[R]]
func.func @groupnorm(%x: tensor<2x4x3xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<2x4x3xf32> {
  %0 = "onnx.GroupNormalization"(%x, %s, %b) {num_groups = 2 : i64} : (tensor<2x4x3xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

// Tests that LpNormalization with p = 1 divides by the sum of absolute values along axis.
// CHECK-LABEL: func.func @lpnorm
// CHECK: [[N:%.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]}
// CHECK: math.absf
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, [[N]] : tensor<2x3xf32>, tensor<3xf32>)
// CHECK: arith.divf
func.func @lpnorm(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "onnx.LpNormalization"(%x) {p = 1 : i64, axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that MeanVarianceNormalization normalizes over `axes` with no scale or bias and a
// tiny epsilon, so a constant input gives 0 rather than NaN.
// CHECK-LABEL: func.func @mvn
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK: [[EPS:%.+]] = arith.constant 1.000000e-18 : f32
// CHECK: arith.addf %{{.+}}, [[EPS]] : f32
// CHECK: math.sqrt
// CHECK-NOT: arith.mulf
// CHECK: linalg.yield
func.func @mvn(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = "onnx.MeanVarianceNormalization"(%x) {axes = array<i64: 0, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Tests that LRN pads the channel dim and sums squares over a window of `size` channels.
// CHECK-DAG: [[WIN:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d4, d2, d3)>
// CHECK-DAG: [[K:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d4)>
// CHECK-LABEL: func.func @lrn
// CHECK: [[PAD:%.+]] = tensor.pad %{{.+}} low[0, 1, 0, 0] high[0, 1, 0, 0]
// CHECK: [[SQ:%.+]] = linalg.generic {indexing_maps = {{\[}}[[WIN]], [[K]], {{.*}} ins([[PAD]], %{{.+}} : tensor<2x7x3x3xf32>, tensor<3xf32>)
// CHECK: arith.constant 3.33333337E-5 : f32
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, [[SQ]] :
// CHECK: math.powf
func.func @lrn(%x: tensor<2x5x3x3xf32>) -> tensor<2x5x3x3xf32> {
  %0 = "onnx.LRN"(%x) {size = 3 : i64} : (tensor<2x5x3x3xf32>) -> tensor<2x5x3x3xf32>
  return %0 : tensor<2x5x3x3xf32>
}

// -----

// Tests that LayerNormalization checks a dynamic Scale and B against X's normalized dims
// (equal, or 1) before reading them with X's loop bounds.
// CHECK-LABEL: func.func @layer_norm_dynamic_scale
// CHECK: kiln.check {{.*}}message = "node 'ln' (LayerNormalization): Scale has size {} in dim 0 where X has {} (expected equal sizes, or 1)"
// CHECK: kiln.check {{.*}}message = "node 'ln' (LayerNormalization): B has size {} in dim 0 where X has {} (expected equal sizes, or 1)"
// CHECK: linalg.generic
func.func @layer_norm_dynamic_scale(%x: tensor<?x?xf32>, %s: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?x?xf32> {
  %0:3 = "onnx.LayerNormalization"(%x, %s, %b) {epsilon = 9.99999974E-6 : f32} : (tensor<?x?xf32>, tensor<?xf32>, tensor<?xf32>) -> (tensor<?x?xf32>, none, none) loc("ln")
  return %0#0 : tensor<?x?xf32>
}

// -----

// Tests that a static Scale over a dynamic normalized dim of X is checked too, and that a
// static X with static operands gets no check.
// CHECK-LABEL: func.func @layer_norm_static_scale
// CHECK: kiln.check {{.*}}message = "node 'ln2' (LayerNormalization): Scale has size {} in dim 0 where X has {}
// CHECK-LABEL: func.func @layer_norm_static
// CHECK-NOT: kiln.check
// CHECK: return
func.func @layer_norm_static_scale(%x: tensor<2x?xf32>, %s: tensor<8xf32>) -> tensor<2x?xf32> {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) : (tensor<2x?xf32>, tensor<8xf32>, none) -> (tensor<2x?xf32>, none, none) loc("ln2")
  return %0#0 : tensor<2x?xf32>
}
func.func @layer_norm_static(%x: tensor<?x8xf32>, %s: tensor<8xf32>) -> tensor<?x8xf32> {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) : (tensor<?x8xf32>, tensor<8xf32>, none) -> (tensor<?x8xf32>, none, none) loc("ln3")
  return %0#0 : tensor<?x8xf32>
}

// -----

// Tests that RMSNormalization checks its scale against X's normalized dims.
// CHECK-LABEL: func.func @rms_norm_dynamic
// CHECK: kiln.check {{.*}}message = "node 'rms' (RMSNormalization): scale has size {} in dim 0 where X has {} (expected equal sizes, or 1)"
func.func @rms_norm_dynamic(%x: tensor<2x?xf32>, %s: tensor<?xf32>) -> tensor<2x?xf32> {
  %0 = "onnx.RMSNormalization"(%x, %s) {axis = 1 : i64, epsilon = 1.000000e-01 : f32} : (tensor<2x?xf32>, tensor<?xf32>) -> tensor<2x?xf32> loc("rms")
  return %0 : tensor<2x?xf32>
}

// -----

// Tests that BatchNormalization checks each per-channel operand against X's channels.
// CHECK-LABEL: func.func @batch_norm_dynamic
// CHECK: kiln.check {{.*}}message = "node 'bn' (BatchNormalization): scale has size {} where X has {} channels (expected equal)"
// CHECK: kiln.check {{.*}}message = "node 'bn' (BatchNormalization): B has size {} where X has {} channels (expected equal)"
// CHECK: kiln.check {{.*}}message = "node 'bn' (BatchNormalization): input_mean has size {} where X has {} channels (expected equal)"
// CHECK: kiln.check {{.*}}message = "node 'bn' (BatchNormalization): input_var has size {} where X has {} channels (expected equal)"
// CHECK: linalg.generic
func.func @batch_norm_dynamic(%x: tensor<?x?x4xf32>, %s: tensor<?xf32>) -> tensor<?x?x4xf32> {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %s, %s, %s) {epsilon = 1.000000e-03 : f32} : (tensor<?x?x4xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) -> (tensor<?x?x4xf32>, none, none) loc("bn")
  return %0#0 : tensor<?x?x4xf32>
}

// -----

// Tests that InstanceNormalization checks scale and B against X's channels, and that a
// static result over a dynamic X is checked.
// CHECK-LABEL: func.func @instance_norm_dynamic
// CHECK: kiln.check {{.*}}message = "node 'in' (InstanceNormalization): X has size {} in dim 0 where the model's shapes imply {}"
// CHECK: kiln.check {{.*}}message = "node 'in' (InstanceNormalization): scale has size {} where X has {} channels (expected equal)"
// CHECK: kiln.check {{.*}}message = "node 'in' (InstanceNormalization): B has size {} where X has {} channels (expected equal)"
func.func @instance_norm_dynamic(%x: tensor<?x?x4xf32>, %s: tensor<3xf32>, %b: tensor<?xf32>) -> tensor<2x?x4xf32> {
  %0 = "onnx.InstanceNormalization"(%x, %s, %b) : (tensor<?x?x4xf32>, tensor<3xf32>, tensor<?xf32>) -> tensor<2x?x4xf32> loc("in")
  return %0 : tensor<2x?x4xf32>
}

// -----

// Tests that BatchNormalization with static channels gets no check (the common path).
// CHECK-LABEL: func.func @batch_norm_static_channels
// CHECK-NOT: kiln.check
// CHECK: return
func.func @batch_norm_static_channels(%x: tensor<?x3x4xf32>, %s: tensor<3xf32>) -> tensor<?x3x4xf32> {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %s, %s, %s) {epsilon = 1.000000e-03 : f32} : (tensor<?x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x3x4xf32>, none, none) loc("bn2")
  return %0#0 : tensor<?x3x4xf32>
}

// -----

// Tests that training-mode BatchNormalization normalizes with the batch mean and
// population variance over N and the spatial dims, and blends them into the running
// statistics with the momentum.
// CHECK-LABEL: func.func @batchnorm_training
// CHECK-SAME: ([[X:%.+]]: tensor<2x3x4xf32>, [[S:%.+]]: tensor<3xf32>, [[B:%.+]]: tensor<3xf32>, [[M:%.+]]: tensor<3xf32>, [[V:%.+]]: tensor<3xf32>)
// CHECK-DAG: [[N:%.+]] = arith.constant 8.000000e+00 : f32
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]{{.*}} ins([[X]] : tensor<2x3x4xf32>)
// CHECK: [[SQ:%.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]{{.*}} ins([[X]], [[SUM]] :
// CHECK: [[Y:%.+]] = linalg.generic {{.*}} ins([[X]], [[SUM]], [[SQ]], [[S]], [[B]] :
// CHECK-DAG: [[MOM:%.+]] = arith.constant 0.899999976 : f32
// CHECK: [[RM:%.+]] = linalg.generic {{.*}} ins([[M]], [[SUM]] :
// CHECK: arith.divf %{{.+}}, [[N]]
// CHECK: [[RV:%.+]] = linalg.generic {{.*}} ins([[V]], [[SQ]] :
// CHECK: return [[Y]], [[RM]], [[RV]]
func.func @batchnorm_training(%x: tensor<2x3x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %b, %m, %v) {training_mode = 1 : i64} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>
}
