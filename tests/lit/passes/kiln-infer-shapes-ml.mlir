// RUN: kiln-opt --split-input-file --kiln-infer-shapes %s | FileCheck %s

// Tests that the ai.onnx.ml ops Kiln lowers get their result types: Binarizer keeps X's,
// ArrayFeatureExtractor replaces X's last dim by the number of indices ([1, K] for a 1-D
// X), TreeEnsemble and TreeEnsembleRegressor give [N, n_targets] (float for the latter).
// CHECK-LABEL: func.func @ml_ops(
// CHECK: "onnx.ml.Binarizer"{{.*}} -> tensor<?x3xf64>
// CHECK: "onnx.ml.ArrayFeatureExtractor"{{.*}} -> tensor<?x4xf64>
// CHECK: "onnx.ml.ArrayFeatureExtractor"{{.*}} -> tensor<1x2xi64>
// CHECK: "onnx.ml.TreeEnsemble"{{.*}} -> tensor<?x3xf64>
// CHECK: "onnx.ml.TreeEnsembleRegressor"{{.*}} -> tensor<?x2xf32>
func.func @ml_ops(%x: tensor<?x3xf64>, %i: tensor<2x2xi64>, %v: tensor<5xi64>, %k: tensor<2xi64>, %xi: tensor<?x2xi64>) -> (tensor<*xf64>, tensor<*xf64>, tensor<*xi64>, tensor<*xf64>, tensor<*xf32>) {
  %0 = "onnx.ml.Binarizer"(%x) : (tensor<?x3xf64>) -> tensor<*xf64>
  %1 = "onnx.ml.ArrayFeatureExtractor"(%x, %i) : (tensor<?x3xf64>, tensor<2x2xi64>) -> tensor<*xf64>
  %2 = "onnx.ml.ArrayFeatureExtractor"(%v, %k) : (tensor<5xi64>, tensor<2xi64>) -> tensor<*xi64>
  %3 = "onnx.ml.TreeEnsemble"(%x) {leaf_targetids = array<i64: 0, 2>, leaf_weights = dense<[1.0, 2.0]> : tensor<2xf64>,
    nodes_featureids = array<i64: 0>, nodes_modes = dense<[0]> : tensor<1xui8>, nodes_splits = dense<[0.5]> : tensor<1xf64>,
    nodes_truenodeids = array<i64: 0>, nodes_trueleafs = array<i64: 1>, nodes_falsenodeids = array<i64: 1>, nodes_falseleafs = array<i64: 1>,
    tree_roots = array<i64: 0>} : (tensor<?x3xf64>) -> tensor<*xf64>
  %4 = "onnx.ml.TreeEnsembleRegressor"(%xi) {n_targets = 2 : i64, nodes_treeids = array<i64: 0>, nodes_nodeids = array<i64: 0>,
    nodes_featureids = array<i64: 0>, nodes_modes = ["LEAF"], nodes_values = array<f32: 0.0>,
    nodes_truenodeids = array<i64: 0>, nodes_falsenodeids = array<i64: 0>,
    target_treeids = array<i64: 0>, target_nodeids = array<i64: 0>, target_ids = array<i64: 1>, target_weights = array<f32: 1.0>} : (tensor<?x2xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3, %4 : tensor<*xf64>, tensor<*xf64>, tensor<*xi64>, tensor<*xf64>, tensor<*xf32>
}
