// RUN: kiln-opt --kiln-add-calibration-outputs="min-weight-elements=4 exclude=kept" %s | FileCheck %s
// RUN: kiln-opt --kiln-add-calibration-outputs="min-weight-elements=4 exclude=kept layer-outputs=true" %s | FileCheck %s --check-prefix=LAYERS

// Tests that the activation of each contraction static quantization would quantize
// becomes a named extra result, once per distinct value (the MatMul and Gemm share %a),
// with the readers' node names in kiln.calibration_outputs; an excluded node, a weight
// computed at run time and a contraction inside a subgraph add none.
// CHECK: kiln.calibration_outputs = {{\[}}["mm", "gemm"], ["conv"]]
// CHECK-LABEL: func.func @model
// CHECK-SAME: -> (tensor<3x4xf32> {onnx.name = "y"}, tensor<3x4xf32> {onnx.name = "kiln.calibration.0"}, tensor<1x2x4x4xf32> {onnx.name = "kiln.calibration.1"})
// CHECK: return %{{.+}}, %arg0, %{{.+}} : tensor<3x4xf32>, tensor<3x4xf32>, tensor<1x2x4x4xf32>
// With layer-outputs, each such contraction's result follows, named by its node.
// LAYERS-LABEL: func.func @model
// LAYERS-SAME: {onnx.name = "kiln.calibration.1"}, tensor<3x4xf32> {onnx.name = "kiln.layer:mm"}, tensor<3x4xf32> {onnx.name = "kiln.layer:gemm"}, tensor<1x4x3x3xf32> {onnx.name = "kiln.layer:conv"})
// LAYERS: [[MM:%.+]] = "onnx.MatMul"(%arg0
// LAYERS: [[GEMM:%.+]] = "onnx.Gemm"(%arg0
// LAYERS: [[CONV:%.+]] = "onnx.Conv"
// LAYERS: return %{{.+}}, %arg0, %{{.+}}, [[MM]], [[GEMM]], [[CONV]] :
func.func @model(%a: tensor<3x4xf32> {onnx.name = "a"}, %b: tensor<4x4xf32> {onnx.name = "b"}, %cond: tensor<i1> {onnx.name = "c"}, %x: tensor<1x2x4x4xf32> {onnx.name = "x"}) -> (tensor<3x4xf32> {onnx.name = "y"}) {
  %w = "onnx.Constant"() <{value = dense<2.0> : tensor<4x4xf32>}> : () -> tensor<4x4xf32>
  %cw = "onnx.Constant"() <{value = dense<0.5> : tensor<4x2x2x2xf32>}> : () -> tensor<4x2x2x2xf32>
  %none = onnx.NoValue
  %0 = "onnx.MatMul"(%a, %w) : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32> loc("mm")
  %1 = "onnx.Gemm"(%a, %w, %none) : (tensor<3x4xf32>, tensor<4x4xf32>, none) -> tensor<3x4xf32> loc("gemm")
  %2 = "onnx.MatMul"(%0, %w) : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32> loc("kept")
  %3 = "onnx.MatMul"(%1, %b) : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32> loc("dynamic")
  %4 = "onnx.Relu"(%x) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("relu")
  %5 = "onnx.Conv"(%4, %cw, %none) {kernel_shape = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>, tensor<4x2x2x2xf32>, none) -> tensor<1x4x3x3xf32> loc("conv")
  %6 = "onnx.If"(%cond) ({
    %7 = "onnx.MatMul"(%2, %w) : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32> loc("inner")
    onnx.Yield %7 : tensor<3x4xf32>
  }, {
    onnx.Yield %2 : tensor<3x4xf32>
  }) : (tensor<i1>) -> tensor<3x4xf32> loc("if")
  %8 = "onnx.Add"(%6, %3) : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32> loc("add")
  return %8 : tensor<3x4xf32>
}
