// RUN: kiln-opt --split-input-file --kiln-infer-shapes %s | FileCheck %s

// Tests that unary elementwise ops keep the operand type, including dynamic dims.
// CHECK-LABEL: func.func @unary(
// CHECK: "onnx.Relu"{{.*}} -> tensor<2x?xf32>
// CHECK: "onnx.Gelu"{{.*}} -> tensor<2x?xf32>
// CHECK: "onnx.LeakyRelu"{{.*}} -> tensor<2x?xf32>
// CHECK: "onnx.Sqrt"{{.*}} -> tensor<2x?xf32>
func.func @unary(%x: tensor<2x?xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Relu"(%x) : (tensor<2x?xf32>) -> tensor<*xf32>
  %1 = "onnx.Gelu"(%0) : (tensor<*xf32>) -> tensor<*xf32>
  %2 = "onnx.LeakyRelu"(%1) {alpha = 0.1 : f32} : (tensor<*xf32>) -> tensor<*xf32>
  %3 = "onnx.Sqrt"(%2) : (tensor<*xf32>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that Clip follows its input and ignores the scalar min/max.
// CHECK-LABEL: func.func @clip(
// CHECK: "onnx.Clip"{{.*}} -> tensor<4x8xf16>
func.func @clip(%x: tensor<4x8xf16>, %min: tensor<f16>) -> tensor<*xf16> {
  %none = onnx.NoValue
  %0 = "onnx.Clip"(%x, %min, %none) : (tensor<4x8xf16>, tensor<f16>, none) -> tensor<*xf16>
  return %0 : tensor<*xf16>
}

// -----

// Tests that IsNaN and IsInf produce i1 of the input shape.
// CHECK-LABEL: func.func @is_nan_inf(
// CHECK: "onnx.IsNaN"{{.*}} -> tensor<3x?xi1>
// CHECK: "onnx.IsInf"{{.*}} -> tensor<3x?xi1>
func.func @is_nan_inf(%x: tensor<3x?xf32>) -> (tensor<*xi1>, tensor<*xi1>) {
  %0 = "onnx.IsNaN"(%x) : (tensor<3x?xf32>) -> tensor<*xi1>
  %1 = "onnx.IsInf"(%x) : (tensor<3x?xf32>) -> tensor<*xi1>
  return %0, %1 : tensor<*xi1>, tensor<*xi1>
}

// -----

// Tests that Dropout's mask is i1 of the data shape, and an omitted mask stays none.
// CHECK-LABEL: func.func @dropout(
// CHECK: "onnx.Dropout"{{.*}} -> (tensor<2x5xf32>, tensor<2x5xi1>)
// CHECK: "onnx.Dropout"{{.*}} -> (tensor<2x5xf32>, none)
func.func @dropout(%x: tensor<2x5xf32>) -> (tensor<*xf32>, tensor<*xi1>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0:2 = "onnx.Dropout"(%x, %none, %none) : (tensor<2x5xf32>, none, none) -> (tensor<*xf32>, tensor<*xi1>)
  %1:2 = "onnx.Dropout"(%x, %none, %none) : (tensor<2x5xf32>, none, none) -> (tensor<*xf32>, none)
  return %0#0, %0#1, %1#0 : tensor<*xf32>, tensor<*xi1>, tensor<*xf32>
}

// -----

// Tests that binary ops broadcast numpy-style; a dynamic dim against 1 stays dynamic.
// CHECK-LABEL: func.func @broadcast(
// CHECK: "onnx.Add"{{.*}} -> tensor<2x3x4xf32>
// CHECK: "onnx.Mul"{{.*}} -> tensor<?x4xf32>
// CHECK: "onnx.Sub"{{.*}} -> tensor<3x4xf32>
func.func @broadcast(%a: tensor<2x1x4xf32>, %b: tensor<3x1xf32>, %c: tensor<?x4xf32>, %d: tensor<1x1xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Add"(%a, %b) : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<*xf32>
  %1 = "onnx.Mul"(%c, %d) : (tensor<?x4xf32>, tensor<1x1xf32>) -> tensor<*xf32>
  %2 = "onnx.Sub"(%c, %b) : (tensor<?x4xf32>, tensor<3x1xf32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that an unranked operand makes a broadcast result unranked with the element type.
// CHECK-LABEL: func.func @broadcast_unranked(
// CHECK: "onnx.Div"{{.*}} -> tensor<*xf32>
func.func @broadcast_unranked(%a: tensor<*xf32>, %b: tensor<3xf32>) -> tensor<*xf32> {
  %0 = "onnx.Div"(%a, %b) : (tensor<*xf32>, tensor<3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that variadic Sum/Max/Mean broadcast all operands.
// CHECK-LABEL: func.func @variadic(
// CHECK: "onnx.Sum"{{.*}} -> tensor<1x3x4xf32>
// CHECK: "onnx.Max"{{.*}} -> tensor<3x4xf32>
func.func @variadic(%a: tensor<4xf32>, %b: tensor<3x1xf32>, %c: tensor<1x1x1xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Sum"(%a, %b, %c) : (tensor<4xf32>, tensor<3x1xf32>, tensor<1x1x1xf32>) -> tensor<*xf32>
  %1 = "onnx.Max"(%a, %b) : (tensor<4xf32>, tensor<3x1xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that comparisons produce i1 and Where takes its element type from X.
// CHECK-LABEL: func.func @compare_where(
// CHECK: "onnx.Equal"{{.*}} -> tensor<2x3xi1>
// CHECK: "onnx.Where"{{.*}} -> tensor<2x3xf32>
func.func @compare_where(%a: tensor<2x3xi64>, %b: tensor<3xi64>, %x: tensor<1x3xf32>, %y: tensor<2x1xf32>) -> (tensor<*xi1>, tensor<*xf32>) {
  %0 = "onnx.Equal"(%a, %b) : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<*xi1>
  %1 = "onnx.Where"(%0, %x, %y) : (tensor<*xi1>, tensor<1x3xf32>, tensor<2x1xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xi1>, tensor<*xf32>
}

// -----

// Tests that inference handles MatMul with batch broadcasting, 1-D operands and dynamic dims.
// CHECK-LABEL: func.func @matmul(
// CHECK: "onnx.MatMul"{{.*}} -> tensor<2x5x3x6xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<2x1x3xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<5x6xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<5x?x6xf32>
func.func @matmul(%a: tensor<2x1x3x4xf32>, %b: tensor<5x4x6xf32>, %v: tensor<4xf32>, %d: tensor<?x?x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<*xf32>
  %1 = "onnx.MatMul"(%a, %v) : (tensor<2x1x3x4xf32>, tensor<4xf32>) -> tensor<*xf32>
  %2 = "onnx.MatMul"(%v, %b) : (tensor<4xf32>, tensor<5x4x6xf32>) -> tensor<*xf32>
  %3 = "onnx.MatMul"(%d, %b) : (tensor<?x?x4xf32>, tensor<5x4x6xf32>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles Gemm with transA/transB, and that an unranked A still gives a 2-D result.
// CHECK-LABEL: func.func @gemm(
// CHECK: "onnx.Gemm"{{.*}} -> tensor<3x5xf32>
// CHECK: "onnx.Gemm"{{.*}} -> tensor<?x5xf32>
func.func @gemm(%a: tensor<4x3xf32>, %b: tensor<5x4xf32>, %c: tensor<5xf32>, %u: tensor<*xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Gemm"(%a, %b, %c) {transA = 1 : i64, transB = 1 : i64} : (tensor<4x3xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<*xf32>
  %1 = "onnx.Gemm"(%u, %b, %c) {transB = 1 : i64} : (tensor<*xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles Conv with pads and strides (ResNet stem) and a dynamic batch.
// CHECK-LABEL: func.func @conv(
// CHECK: "onnx.Conv"{{.*}} -> tensor<?x64x112x112xf32>
func.func @conv(%x: tensor<?x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>) -> tensor<*xf32> {
  %0 = "onnx.Conv"(%x, %w, %b) {pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<?x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that inference handles depthwise Conv with SAME_UPPER, dilations, and a dynamic spatial dim.
// CHECK-LABEL: func.func @conv_same(
// CHECK: "onnx.Conv"{{.*}} -> tensor<1x32x8x?xf32>
// CHECK: "onnx.Conv"{{.*}} -> tensor<1x32x11x?xf32>
func.func @conv_same(%x: tensor<1x32x15x?xf32>, %w: tensor<32x1x3x3xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_UPPER", group = 32 : i64, strides = array<i64: 2, 2>} : (tensor<1x32x15x?xf32>, tensor<32x1x3x3xf32>, none) -> tensor<*xf32>
  %1 = "onnx.Conv"(%x, %w, %none) {dilations = array<i64: 2, 2>, group = 32 : i64} : (tensor<1x32x15x?xf32>, tensor<32x1x3x3xf32>, none) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles MaxPool with pads and Indices, and AveragePool with ceil_mode and VALID.
// CHECK-LABEL: func.func @pool(
// CHECK: "onnx.MaxPool"{{.*}} -> (tensor<1x64x56x56xf32>, tensor<1x64x56x56xi64>)
// CHECK: "onnx.AveragePool"{{.*}} -> tensor<1x64x56x56xf32>
// CHECK: "onnx.AveragePool"{{.*}} -> tensor<1x64x56x56xf32>
func.func @pool(%x: tensor<1x64x112x112xf32>) -> (tensor<*xf32>, tensor<*xi64>, tensor<*xf32>, tensor<*xf32>) {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> (tensor<*xf32>, tensor<*xi64>)
  %1 = "onnx.AveragePool"(%x) {ceil_mode = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<*xf32>
  %2 = "onnx.AveragePool"(%x) {auto_pad = "VALID", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<*xf32>
  return %0#0, %0#1, %1, %2 : tensor<*xf32>, tensor<*xi64>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that pooling an unranked input still gives the rank from kernel_shape.
// CHECK-LABEL: func.func @pool_unranked(
// CHECK: "onnx.AveragePool"{{.*}} -> tensor<?x?x?x?xf32>
func.func @pool_unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  %0 = "onnx.AveragePool"(%x) {kernel_shape = array<i64: 2, 2>} : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that GlobalAveragePool/GlobalMaxPool keep N and C and make spatial dims 1.
// CHECK-LABEL: func.func @global_pool(
// CHECK: "onnx.GlobalAveragePool"{{.*}} -> tensor<?x512x1x1xf32>
// CHECK: "onnx.GlobalMaxPool"{{.*}} -> tensor<?x512x1x1xf32>
func.func @global_pool(%x: tensor<?x512x7x7xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.GlobalAveragePool"(%x) : (tensor<?x512x7x7xf32>) -> tensor<*xf32>
  %1 = "onnx.GlobalMaxPool"(%x) : (tensor<?x512x7x7xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles the inference form of BatchNormalization and InstanceNormalization.
// CHECK-LABEL: func.func @norms(
// CHECK: "onnx.BatchNormalization"{{.*}} -> (tensor<2x8x4x4xf32>, none, none)
// CHECK: "onnx.InstanceNormalization"{{.*}} -> tensor<2x8x4x4xf32>
func.func @norms(%x: tensor<2x8x4x4xf32>, %s: tensor<8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %s, %s, %s) : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<*xf32>, none, none)
  %1 = "onnx.InstanceNormalization"(%x, %s, %s) : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<*xf32>
  return %0#0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles training-form BatchNormalization's per-channel running statistics.
// CHECK-LABEL: func.func @batchnorm_training(
// CHECK: "onnx.BatchNormalization"{{.*}} -> (tensor<2x8x4xf32>, tensor<8xf32>, tensor<8xf32>)
func.func @batchnorm_training(%x: tensor<2x8x4xf32>, %s: tensor<8xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %s, %s, %s) {training_mode = 1 : i64} : (tensor<2x8x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1, %0#2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles LayerNormalization's Mean/InvStdDev shape and stash_type element type.
// CHECK-LABEL: func.func @layernorm(
// CHECK: "onnx.LayerNormalization"{{.*}} -> (tensor<?x16x768xf16>, tensor<?x16x1xf32>, tensor<?x16x1xf32>)
func.func @layernorm(%x: tensor<?x16x768xf16>, %s: tensor<768xf16>) -> (tensor<*xf16>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) {axis = -1 : i64} : (tensor<?x16x768xf16>, tensor<768xf16>, none) -> (tensor<*xf16>, tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1, %0#2 : tensor<*xf16>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that Softmax/LogSoftmax keep the input type.
// CHECK-LABEL: func.func @softmax(
// CHECK: "onnx.Softmax"{{.*}} -> tensor<?x12x?x?xf32>
// CHECK: "onnx.LogSoftmax"{{.*}} -> tensor<?x12x?x?xf32>
func.func @softmax(%x: tensor<?x12x?x?xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Softmax"(%x) : (tensor<?x12x?x?xf32>) -> tensor<*xf32>
  %1 = "onnx.LogSoftmax"(%x) {axis = 1 : i64} : (tensor<?x12x?x?xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that Cast maps the ONNX data type number to the element type.
// CHECK-LABEL: func.func @cast(
// CHECK: "onnx.Cast"{{.*}} -> tensor<2x?xi64>
// CHECK: "onnx.Cast"{{.*}} -> tensor<2x?xf16>
// CHECK: "onnx.Cast"{{.*}} -> tensor<2x?xi1>
// CHECK: "onnx.Cast"{{.*}} -> tensor<2x?xbf16>
func.func @cast(%x: tensor<2x?xf32>) -> (tensor<*xi64>, tensor<*xf16>, tensor<*xi1>, tensor<*xbf16>) {
  %0 = "onnx.Cast"(%x) {to = 7 : i64} : (tensor<2x?xf32>) -> tensor<*xi64>
  %1 = "onnx.Cast"(%x) {to = 10 : i64} : (tensor<2x?xf32>) -> tensor<*xf16>
  %2 = "onnx.Cast"(%x) {to = 9 : i64} : (tensor<2x?xf32>) -> tensor<*xi1>
  %3 = "onnx.Cast"(%x) {to = 16 : i64} : (tensor<2x?xf32>) -> tensor<*xbf16>
  return %0, %1, %2, %3 : tensor<*xi64>, tensor<*xf16>, tensor<*xi1>, tensor<*xbf16>
}

// -----

// Tests that inference handles Shape with start/end (clamped), Shape of an unranked input, and Size.
// CHECK-LABEL: func.func @shape_size(
// CHECK: "onnx.Shape"{{.*}} -> tensor<3xi64>
// CHECK: "onnx.Shape"{{.*}} -> tensor<2xi64>
// CHECK: "onnx.Shape"{{.*}} -> tensor<?xi64>
// CHECK: "onnx.Size"{{.*}} -> tensor<i64>
func.func @shape_size(%x: tensor<2x?x4xf32>, %u: tensor<*xf32>) -> (tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xi64>) {
  %0 = "onnx.Shape"(%x) : (tensor<2x?x4xf32>) -> tensor<*xi64>
  %1 = "onnx.Shape"(%x) {start = -2 : i64, end = 100 : i64} : (tensor<2x?x4xf32>) -> tensor<*xi64>
  %2 = "onnx.Shape"(%u) : (tensor<*xf32>) -> tensor<*xi64>
  %3 = "onnx.Size"(%x) : (tensor<2x?x4xf32>) -> tensor<*xi64>
  return %0, %1, %2, %3 : tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xi64>
}

// -----

// Tests that inference handles Constant from value and from value_float/value_int/value_floats/value_ints.
// CHECK-LABEL: func.func @constant()
// CHECK-SAME: -> (tensor<2x3xi32>, tensor<f32>, tensor<i64>, tensor<2xf32>, tensor<3xi64>)
func.func @constant() -> (tensor<*xi32>, tensor<*xf32>, tensor<*xi64>, tensor<*xf32>, tensor<*xi64>) {
  %0 = "onnx.Constant"() {value = dense<1> : tensor<2x3xi32>} : () -> tensor<*xi32>
  %1 = "onnx.Constant"() {value_float = 1.0 : f32} : () -> tensor<*xf32>
  %2 = "onnx.Constant"() {value_int = 3 : i64} : () -> tensor<*xi64>
  %3 = "onnx.Constant"() {value_floats = array<f32: 1.0, 2.0>} : () -> tensor<*xf32>
  %4 = "onnx.Constant"() {value_ints = array<i64: 1, 2, 3>} : () -> tensor<*xi64>
  return %0, %1, %2, %3, %4 : tensor<*xi32>, tensor<*xf32>, tensor<*xi64>, tensor<*xf32>, tensor<*xi64>
}

// -----

// Tests that inference handles ConstantOfShape with a constant shape, a value attribute, and a non-constant shape.
// CHECK-LABEL: func.func @constant_of_shape(
// CHECK: "onnx.ConstantOfShape"{{.*}} -> tensor<2x5xf32>
// CHECK: "onnx.ConstantOfShape"{{.*}} -> tensor<2x5xi64>
// CHECK: "onnx.ConstantOfShape"{{.*}} -> tensor<?x?x?xf32>
func.func @constant_of_shape(%s: tensor<3xi64>) -> (tensor<*xf32>, tensor<*xi64>, tensor<*xf32>) {
  %c = "onnx.Constant"() {value = dense<[2, 5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.ConstantOfShape"(%c) : (tensor<2xi64>) -> tensor<*xf32>
  %1 = "onnx.ConstantOfShape"(%c) {value = dense<0> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<*xi64>
  %2 = "onnx.ConstantOfShape"(%s) : (tensor<3xi64>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xi64>, tensor<*xf32>
}

// -----

// Tests that inference handles Reshape with 0 (copy) and -1, allowzero, and a non-constant shape of static length.
// CHECK-LABEL: func.func @reshape(
// CHECK: "onnx.Reshape"{{.*}} -> tensor<2x12xf32>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x12xf32>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<4x0xf32>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?xf32>
func.func @reshape(%x: tensor<2x3x4xf32>, %d: tensor<?x3x4xf32>, %s: tensor<2xi64>, %e: tensor<0x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %c = "onnx.Constant"() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %z = "onnx.Constant"() {value = dense<[4, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%x, %c) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %1 = "onnx.Reshape"(%d, %c) : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %2 = "onnx.Reshape"(%e, %z) {allowzero = 1 : i64} : (tensor<0x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %3 = "onnx.Reshape"(%x, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that Reshape follows PyTorch's x.view(b, s, 12, 64) shape chain
// (Concat of Unsqueeze(Gather(Shape(x), i)) and constants) through data propagation.
// CHECK-LABEL: func.func @reshape_view_chain(
// CHECK: "onnx.Concat"{{.*}} -> tensor<4xi64>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x128x12x64xf32>
func.func @reshape_view_chain(%x: tensor<?x128x768xf32>) -> tensor<*xf32> {
  %shape = "onnx.Shape"(%x) {start = 0 : i64} : (tensor<?x128x768xf32>) -> tensor<*xi64>
  %i0 = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %i1 = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %ax = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %tail = "onnx.Constant"() {value = dense<[12, 64]> : tensor<2xi64>} : () -> tensor<2xi64>
  %g0 = "onnx.Gather"(%shape, %i0) {axis = 0 : i64} : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %g1 = "onnx.Gather"(%shape, %i1) {axis = 0 : i64} : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %u0 = "onnx.Unsqueeze"(%g0, %ax) : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %u1 = "onnx.Unsqueeze"(%g1, %ax) : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %cat = "onnx.Concat"(%u0, %u1, %tail) {axis = 0 : i64} : (tensor<*xi64>, tensor<*xi64>, tensor<2xi64>) -> tensor<*xi64>
  %r = "onnx.Reshape"(%x, %cat) {allowzero = 0 : i64} : (tensor<?x128x768xf32>, tensor<*xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// Tests GPT-2's merge_heads: Shape(x)[:-2] ++ [Shape(x)[-2] * Shape(x)[-1]] through
// Slice, Gather with a negative index, Mul and a Cast, and a -1 resolved from the
// static part of the input.
// CHECK-LABEL: func.func @reshape_merge_heads(
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x128x768xf32>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x12x64xf32>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<2x98304xf32>
func.func @reshape_merge_heads(%x: tensor<?x128x12x64xf32>, %y: tensor<2x128x12x64xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %shape = "onnx.Shape"(%x) {start = 0 : i64} : (tensor<?x128x12x64xf32>) -> tensor<*xi64>
  %s0 = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e2 = "onnx.Constant"() {value = dense<[-2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %im2 = "onnx.Constant"() {value = dense<-2> : tensor<i64>} : () -> tensor<i64>
  %im1 = "onnx.Constant"() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %none = onnx.NoValue
  %head = "onnx.Slice"(%shape, %s0, %e2, %none, %none) : (tensor<*xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<*xi64>
  %h = "onnx.Gather"(%shape, %im2) {axis = 0 : i64} : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %d = "onnx.Gather"(%shape, %im1) {axis = 0 : i64} : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %hd = "onnx.Mul"(%h, %d) : (tensor<*xi64>, tensor<*xi64>) -> tensor<*xi64>
  %hd32 = "onnx.Cast"(%hd) {to = 6 : i64} : (tensor<*xi64>) -> tensor<*xi32>
  %hd64 = "onnx.Cast"(%hd32) {to = 7 : i64} : (tensor<*xi32>) -> tensor<*xi64>
  %u = "onnx.Unsqueeze"(%hd64, %s0) : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %cat = "onnx.Concat"(%head, %u) {axis = 0 : i64} : (tensor<*xi64>, tensor<*xi64>) -> tensor<*xi64>
  %r0 = "onnx.Reshape"(%x, %cat) {allowzero = 0 : i64} : (tensor<?x128x12x64xf32>, tensor<*xi64>) -> tensor<*xf32>
  // -1 of a dynamic input stays unknown.
  %t = "onnx.Constant"() {value = dense<[-1, 12, 64]> : tensor<3xi64>} : () -> tensor<3xi64>
  %r1 = "onnx.Reshape"(%x, %t) {allowzero = 0 : i64} : (tensor<?x128x12x64xf32>, tensor<3xi64>) -> tensor<*xf32>
  // The same chain on a static input resolves -1 from the total.
  %m1 = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %sy = "onnx.Shape"(%y) {start = 0 : i64, end = 1 : i64} : (tensor<2x128x12x64xf32>) -> tensor<*xi64>
  %caty = "onnx.Concat"(%sy, %m1) {axis = 0 : i64} : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %r2 = "onnx.Reshape"(%y, %caty) {allowzero = 0 : i64} : (tensor<2x128x12x64xf32>, tensor<*xi64>) -> tensor<*xf32>
  return %r0, %r1, %r2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that Expand, ConstantOfShape and Range read shapes computed from Shape, with
// unknown entries dynamic.
// CHECK-LABEL: func.func @shape_consumers(
// CHECK: "onnx.Expand"{{.*}} -> tensor<?x4x8xf32>
// CHECK: "onnx.ConstantOfShape"{{.*}} -> tensor<?x4xf32>
// CHECK: "onnx.Range"{{.*}} -> tensor<4xi64>
func.func @shape_consumers(%x: tensor<?x4x8xf32>, %b: tensor<1x8xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xi64>) {
  %shape = "onnx.Shape"(%x) {start = 0 : i64} : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %e = "onnx.Expand"(%b, %shape) : (tensor<1x8xf32>, tensor<*xi64>) -> tensor<*xf32>
  %s2 = "onnx.Shape"(%x) {start = 0 : i64, end = -1 : i64} : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %c = "onnx.ConstantOfShape"(%s2) : (tensor<*xi64>) -> tensor<*xf32>
  %i1 = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %zero = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %one = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %n = "onnx.Gather"(%shape, %i1) {axis = 0 : i64} : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %r = "onnx.Range"(%zero, %n, %one) : (tensor<i64>, tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  return %e, %c, %r : tensor<*xf32>, tensor<*xf32>, tensor<*xi64>
}

// -----

// Tests that inference handles Transpose with a perm and with the default (reversed) order.
// CHECK-LABEL: func.func @transpose(
// CHECK: "onnx.Transpose"{{.*}} -> tensor<2x4x?xf32>
// CHECK: "onnx.Transpose"{{.*}} -> tensor<4x?x2xf32>
func.func @transpose(%x: tensor<2x?x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Transpose"(%x) {perm = array<i64: 0, 2, 1>} : (tensor<2x?x4xf32>) -> tensor<*xf32>
  %1 = "onnx.Transpose"(%x) : (tensor<2x?x4xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that Concat sums the axis and fills other dims from any static operand.
// CHECK-LABEL: func.func @concat(
// CHECK: "onnx.Concat"{{.*}} -> tensor<?x3xf32>
// CHECK: "onnx.Concat"{{.*}} -> tensor<2x8xf32>
func.func @concat(%a: tensor<2x?xf32>, %b: tensor<?x3xf32>, %c: tensor<2x5xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Concat"(%a, %b) {axis = 0 : i64} : (tensor<2x?xf32>, tensor<?x3xf32>) -> tensor<*xf32>
  %1 = "onnx.Concat"(%b, %c) {axis = -1 : i64} : (tensor<?x3xf32>, tensor<2x5xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles Flatten at an inner axis, at axis 0, and with a dynamic dim.
// CHECK-LABEL: func.func @flatten(
// CHECK: "onnx.Flatten"{{.*}} -> tensor<2x12xf32>
// CHECK: "onnx.Flatten"{{.*}} -> tensor<1x24xf32>
// CHECK: "onnx.Flatten"{{.*}} -> tensor<?x12xf32>
func.func @flatten(%x: tensor<2x3x4xf32>, %d: tensor<?x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Flatten"(%x) : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = "onnx.Flatten"(%x) {axis = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %2 = "onnx.Flatten"(%d) {axis = 1 : i64} : (tensor<?x3x4xf32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles Squeeze/Unsqueeze with constant axes, without axes, and with unknown axes.
// CHECK-LABEL: func.func @squeeze(
// CHECK: "onnx.Squeeze"{{.*}} -> tensor<3x?xf32>
// CHECK: "onnx.Squeeze"{{.*}} -> tensor<3xf32>
// CHECK: "onnx.Unsqueeze"{{.*}} -> tensor<1x1x3x1x1xf32>
// CHECK: "onnx.Unsqueeze"{{.*}} -> tensor<?x?x?x?x?xf32>
func.func @squeeze(%x: tensor<1x3x1x?xf32>, %y: tensor<1x3x1xf32>, %ax: tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %c = "onnx.Constant"() {value = dense<[0, -2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Squeeze"(%x, %c) : (tensor<1x3x1x?xf32>, tensor<2xi64>) -> tensor<*xf32>
  %1 = "onnx.Squeeze"(%y, %none) : (tensor<1x3x1xf32>, none) -> tensor<*xf32>
  %2 = "onnx.Unsqueeze"(%y, %c) : (tensor<1x3x1xf32>, tensor<2xi64>) -> tensor<*xf32>
  %3 = "onnx.Unsqueeze"(%y, %ax) : (tensor<1x3x1xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that Gather replaces the axis with the indices' shape (an embedding lookup).
// CHECK-LABEL: func.func @gather(
// CHECK: "onnx.Gather"{{.*}} -> tensor<?x16x768xf32>
// CHECK: "onnx.Gather"{{.*}} -> tensor<2x4xf32>
func.func @gather(%w: tensor<50257x768xf32>, %ids: tensor<?x16xi64>, %i: tensor<i64>, %x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Gather"(%w, %ids) : (tensor<50257x768xf32>, tensor<?x16xi64>) -> tensor<*xf32>
  %1 = "onnx.Gather"(%x, %i) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles Slice with constant starts/ends/axes/steps, clamping and negative steps.
// CHECK-LABEL: func.func @slice(
// CHECK: "onnx.Slice"{{.*}} -> tensor<3x5x?xf32>
// CHECK: "onnx.Slice"{{.*}} -> tensor<10x20x?xf32>
// CHECK: "onnx.Slice"{{.*}} -> tensor<?x?x?xf32>
func.func @slice(%x: tensor<10x20x?xf32>, %s: tensor<1xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %starts = "onnx.Constant"() {value = dense<[1, -5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %ends = "onnx.Constant"() {value = dense<[1000, 9223372036854775807]> : tensor<2xi64>} : () -> tensor<2xi64>
  %axes = "onnx.Constant"() {value = dense<[0, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %steps = "onnx.Constant"() {value = dense<[3, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %rs = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %re = "onnx.Constant"() {value = dense<[-9223372036854775807]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.Slice"(%x, %starts, %ends, %axes, %steps) : (tensor<10x20x?xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<*xf32>
  %1 = "onnx.Slice"(%x, %rs, %re, %none, %rs) : (tensor<10x20x?xf32>, tensor<1xi64>, tensor<1xi64>, none, tensor<1xi64>) -> tensor<*xf32>
  %2 = "onnx.Slice"(%x, %s, %s, %none, %none) : (tensor<10x20x?xf32>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles Split with a constant split, with num_outputs (uneven), and on a dynamic dim.
// CHECK-LABEL: func.func @split(
// CHECK: "onnx.Split"{{.*}} -> (tensor<3x?xf32>, tensor<7x?xf32>)
// CHECK: "onnx.Split"{{.*}} -> (tensor<4x?xf32>, tensor<4x?xf32>, tensor<2x?xf32>)
// CHECK: "onnx.Split"{{.*}} -> (tensor<10x?xf32>, tensor<10x?xf32>)
func.func @split(%x: tensor<10x?xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %c = "onnx.Constant"() {value = dense<[3, 7]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0:2 = "onnx.Split"(%x, %c) : (tensor<10x?xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  %1:3 = "onnx.Split"(%x, %none) {num_outputs = 3 : i64} : (tensor<10x?xf32>, none) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %2:2 = "onnx.Split"(%x, %none) {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<10x?xf32>, none) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1, %1#0, %1#2, %2#0, %2#1, %1#1 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that Expand broadcasts the input against a constant shape; with an unknown shape
// of static length the rank is known and a static input dim other than 1 is kept.
// CHECK-LABEL: func.func @expand(
// CHECK: "onnx.Expand"{{.*}} -> tensor<2x3x6xf32>
// CHECK: "onnx.Expand"{{.*}} -> tensor<?x3x?xf32>
func.func @expand(%x: tensor<3x1xf32>, %s: tensor<3xi64>) -> (tensor<*xf32>, tensor<*xf32>) {
  %c = "onnx.Constant"() {value = dense<[2, 1, 6]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = "onnx.Expand"(%x, %c) : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<*xf32>
  %1 = "onnx.Expand"(%x, %s) : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference handles Range with constant scalars (integer and float) and with a non-constant limit.
// CHECK-LABEL: func.func @range(
// CHECK: "onnx.Range"{{.*}} -> tensor<4xi64>
// CHECK: "onnx.Range"{{.*}} -> tensor<4xf32>
// CHECK: "onnx.Range"{{.*}} -> tensor<?xi64>
func.func @range(%n: tensor<i64>) -> (tensor<*xi64>, tensor<*xf32>, tensor<*xi64>) {
  %s = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %l = "onnx.Constant"() {value = dense<10> : tensor<i64>} : () -> tensor<i64>
  %d = "onnx.Constant"() {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %fs = "onnx.Constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %fl = "onnx.Constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %fd = "onnx.Constant"() {value = dense<-0.25> : tensor<f32>} : () -> tensor<f32>
  %0 = "onnx.Range"(%s, %l, %d) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  %1 = "onnx.Range"(%fs, %fl, %fd) : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<*xf32>
  %2 = "onnx.Range"(%s, %n, %d) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  return %0, %1, %2 : tensor<*xi64>, tensor<*xf32>, tensor<*xi64>
}

// -----

// Tests that inference handles reductions with constant axes, keepdims, noop_with_empty_axes, and unknown axes.
// CHECK-LABEL: func.func @reduce(
// CHECK: "onnx.ReduceMean"{{.*}} -> tensor<2x?x1xf32>
// CHECK: "onnx.ReduceSum"{{.*}} -> tensor<2x?xf32>
// CHECK: "onnx.ReduceMax"{{.*}} -> tensor<1x1x1xf32>
// CHECK: "onnx.ReduceL2"{{.*}} -> tensor<2x?x4xf32>
// CHECK: "onnx.ReduceProd"{{.*}} -> tensor<?x?xf32>
// CHECK: "onnx.ReduceSumSquare"{{.*}} -> tensor<?x?x?xf32>
func.func @reduce(%x: tensor<2x?x4xf32>, %ax: tensor<1xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %c = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.ReduceMean"(%x, %c) : (tensor<2x?x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %1 = "onnx.ReduceSum"(%x, %c) {keepdims = 0 : i64} : (tensor<2x?x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %2 = "onnx.ReduceMax"(%x, %none) : (tensor<2x?x4xf32>, none) -> tensor<*xf32>
  %3 = "onnx.ReduceL2"(%x, %none) {noop_with_empty_axes = 1 : i64} : (tensor<2x?x4xf32>, none) -> tensor<*xf32>
  %4 = "onnx.ReduceProd"(%x, %ax) {keepdims = 0 : i64} : (tensor<2x?x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %5 = "onnx.ReduceSumSquare"(%x, %ax) : (tensor<2x?x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that ArgMax/ArgMin produce i64 with and without keepdims.
// CHECK-LABEL: func.func @argmax(
// CHECK: "onnx.ArgMax"{{.*}} -> tensor<2x1x4xi64>
// CHECK: "onnx.ArgMin"{{.*}} -> tensor<2x?xi64>
func.func @argmax(%x: tensor<2x?x4xf32>) -> (tensor<*xi64>, tensor<*xi64>) {
  %0 = "onnx.ArgMax"(%x) {axis = 1 : i64} : (tensor<2x?x4xf32>) -> tensor<*xi64>
  %1 = "onnx.ArgMin"(%x) {axis = -1 : i64, keepdims = 0 : i64} : (tensor<2x?x4xf32>) -> tensor<*xi64>
  return %0, %1 : tensor<*xi64>, tensor<*xi64>
}

// -----

// Tests that inference never loosens a declared static type.
// CHECK-LABEL: func.func @refine_only(
// CHECK: "onnx.Relu"{{.*}} -> tensor<3x4xf32>
func.func @refine_only(%x: tensor<?x4xf32>) -> tensor<3x4xf32> {
  %0 = "onnx.Relu"(%x) : (tensor<?x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Tests that inference gives 3-D Attention a Y in Q's layout with V's head size, present
// K/V of past + new sequence length and a [B, Hq, S_q, S_kv] qk_matmul_output.
// CHECK-LABEL: func.func @attention_3d(
// CHECK: "onnx.Attention"{{.*}} -> (tensor<?x4x48xf32>, tensor<?x2x8x8xf32>, tensor<?x2x8x8xf32>, tensor<?x6x4x8xf32>)
func.func @attention_3d(%q: tensor<?x4x48xf32>, %k: tensor<?x5x16xf32>, %v: tensor<?x5x16xf32>, %pk: tensor<?x2x3x8xf32>, %pv: tensor<?x2x3x8xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0:4 = "onnx.Attention"(%q, %k, %v, %none, %pk, %pv, %none) {q_num_heads = 6 : i64, kv_num_heads = 2 : i64} : (tensor<?x4x48xf32>, tensor<?x5x16xf32>, tensor<?x5x16xf32>, none, tensor<?x2x3x8xf32>, tensor<?x2x3x8xf32>, none) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference gives 4-D Attention [B, Hq, S_q, D_v] and leaves absent outputs none.
// CHECK-LABEL: func.func @attention_4d(
// CHECK: "onnx.Attention"{{.*}} -> (tensor<2x3x4x5xf16>, none, none, none)
func.func @attention_4d(%q: tensor<2x3x4x8xf16>, %k: tensor<2x3x6x8xf16>, %v: tensor<2x3x6x5xf16>) -> tensor<*xf16> {
  %none = onnx.NoValue
  %0:4 = "onnx.Attention"(%q, %k, %v, %none, %none, %none, %none) : (tensor<2x3x4x8xf16>, tensor<2x3x6x8xf16>, tensor<2x3x6x5xf16>, none, none, none, none) -> (tensor<*xf16>, none, none, none)
  return %0#0 : tensor<*xf16>
}

// -----

// Tests that RMSNormalization keeps X's type.
// CHECK-LABEL: func.func @rmsnorm(
// CHECK: "onnx.RMSNormalization"{{.*}} -> tensor<?x8xf32>
func.func @rmsnorm(%x: tensor<?x8xf32>, %s: tensor<8xf32>) -> tensor<*xf32> {
  %0 = "onnx.RMSNormalization"(%x, %s) : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that inference gives a bidirectional LSTM Y [T, 2, B, H] and states [2, B, H],
// with dynamic T and B, H from R, and leaves an absent Y none.
// CHECK-LABEL: func.func @lstm(
// CHECK: "onnx.LSTM"{{.*}} -> (tensor<?x2x?x5xf32>, tensor<2x?x5xf32>, tensor<2x?x5xf32>)
// CHECK: "onnx.LSTM"{{.*}} -> (none, tensor<2x?x5xf32>, none)
func.func @lstm(%x: tensor<?x?x3xf32>, %w: tensor<2x20x3xf32>, %r: tensor<2x20x5xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0:3 = "onnx.LSTM"(%x, %w, %r, %none, %none, %none, %none, %none) {direction = "bidirectional"} : (tensor<?x?x3xf32>, tensor<2x20x3xf32>, tensor<2x20x5xf32>, none, none, none, none, none) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %1:3 = "onnx.LSTM"(%x, %w, %r, %none, %none, %none, %none, %none) {direction = "bidirectional"} : (tensor<?x?x3xf32>, tensor<2x20x3xf32>, tensor<2x20x5xf32>, none, none, none, none, none) -> (none, tensor<*xf32>, none)
  return %0#0, %0#1, %0#2, %1#1 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference gives a batch-first (layout 1) GRU Y [B, T, 1, H] and Y_h [B, 1, H],
// H from hidden_size.
// CHECK-LABEL: func.func @gru_layout1(
// CHECK: "onnx.GRU"{{.*}} -> (tensor<4x?x1x6xf32>, tensor<4x1x6xf32>)
func.func @gru_layout1(%x: tensor<4x?x3xf32>, %w: tensor<1x18x3xf32>, %r: tensor<*xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0:2 = "onnx.GRU"(%x, %w, %r, %none, %none, %none) {hidden_size = 6 : i64, layout = 1 : i64} : (tensor<4x?x3xf32>, tensor<1x18x3xf32>, tensor<*xf32>, none, none, none) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that inference gives a reverse RNN with an unranked X Y [?, 1, ?, H].
// CHECK-LABEL: func.func @rnn_unranked(
// CHECK: "onnx.RNN"{{.*}} -> (tensor<?x1x?x2xf64>, tensor<1x?x2xf64>)
func.func @rnn_unranked(%x: tensor<*xf64>, %w: tensor<1x2x3xf64>, %r: tensor<1x2x2xf64>) -> (tensor<*xf64>, tensor<*xf64>) {
  %none = onnx.NoValue
  %0:2 = "onnx.RNN"(%x, %w, %r, %none, %none, %none) {direction = "reverse"} : (tensor<*xf64>, tensor<1x2x3xf64>, tensor<1x2x2xf64>, none, none, none) -> (tensor<*xf64>, tensor<*xf64>)
  return %0#0, %0#1 : tensor<*xf64>, tensor<*xf64>
}

// -----

// Tests that the image ops opset 17's libonnx cannot type get their result shapes:
// GridSample takes N and C from X and the rest from the grid, AffineGrid and Col2Im
// read their constant shape inputs, CenterCropPad sets its axes, LpPool follows its
// window and GlobalLpPool keeps N and C.
// CHECK-LABEL: func.func @image_ops(
// CHECK: "onnx.GridSample"{{.*}} -> tensor<?x3x6x7xf32>
// CHECK: "onnx.AffineGrid"{{.*}} -> tensor<2x5x6x2xf32>
// CHECK: "onnx.Col2Im"{{.*}} -> tensor<1x2x5x5xf32>
// CHECK: "onnx.CenterCropPad"{{.*}} -> tensor<?x?x3xf32>
// CHECK: "onnx.LpPool"{{.*}} -> tensor<?x3x3x4xf32>
// CHECK: "onnx.GlobalLpPool"{{.*}} -> tensor<?x3x1x1xf32>
func.func @image_ops(%x: tensor<?x3x4x5xf32>, %g: tensor<?x6x7x2xf32>, %t: tensor<2x2x3xf32>,
                     %c: tensor<1x8x16xf32>, %y: tensor<20x8x3xf32>, %s: tensor<2xi64>)
    -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.GridSample"(%x, %g) : (tensor<?x3x4x5xf32>, tensor<?x6x7x2xf32>) -> tensor<*xf32>
  %size = "onnx.Constant"() {value = dense<[2, 3, 5, 6]> : tensor<4xi64>} : () -> tensor<4xi64>
  %1 = "onnx.AffineGrid"(%t, %size) : (tensor<2x2x3xf32>, tensor<4xi64>) -> tensor<*xf32>
  %image = "onnx.Constant"() {value_ints = array<i64: 5, 5>} : () -> tensor<2xi64>
  %block = "onnx.Constant"() {value_ints = array<i64: 2, 2>} : () -> tensor<2xi64>
  %2 = "onnx.Col2Im"(%c, %image, %block) : (tensor<1x8x16xf32>, tensor<2xi64>, tensor<2xi64>) -> tensor<*xf32>
  %3 = "onnx.CenterCropPad"(%y, %s) {axes = array<i64: 0, 1>} : (tensor<20x8x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  %4 = "onnx.LpPool"(%x) {kernel_shape = array<i64: 2, 2>} : (tensor<?x3x4x5xf32>) -> tensor<*xf32>
  %5 = "onnx.GlobalLpPool"(%x) : (tensor<?x3x4x5xf32>) -> tensor<*xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that a Scan body is typed from the initial state and one slice of the scanned
// input (axis 1 removed), and the results from what the body yields: the state keeps its
// type, the scan output gains the scan length at scan_output_axes.
// CHECK-LABEL: func.func @scan_body_types(
// CHECK: ^bb0(%{{.+}}: tensor<2x4xf32>, %{{.+}}: tensor<2x4xf32>):
// CHECK: "onnx.Add"{{.*}} -> tensor<2x4xf32>
// CHECK: "onnx.ReduceSum"{{.*}} -> tensor<2xf32>
// CHECK: -> (tensor<2x4xf32>, tensor<2x3xf32>)
func.func @scan_body_types(%init: tensor<2x4xf32>, %x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0:2 = "onnx.Scan"(%init, %x) <{num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 1>, scan_output_axes = array<i64: -1>}> ({
  ^bb0(%s: tensor<*xf32>, %e: tensor<*xf32>):
    %axes = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
    %1 = "onnx.Add"(%s, %e) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    %2 = "onnx.ReduceSum"(%1, %axes) <{keepdims = 0 : i64}> : (tensor<*xf32>, tensor<1xi64>) -> tensor<*xf32>
    onnx.Yield %1, %2 : tensor<*xf32>, tensor<*xf32>
  }) : (tensor<2x4xf32>, tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that DeformConv takes N from X, M from W and the spatial dims from the offsets,
// MaxUnpool computes the unpooled size, and RoiAlign gives regions x channels x the
// output size.
// CHECK-LABEL: func.func @sampling_ops(
// CHECK: "onnx.DeformConv"{{.*}} -> tensor<?x4x3x3xf32>
// CHECK: "onnx.MaxUnpool"{{.*}} -> tensor<?x3x8x10xf32>
// CHECK: "onnx.RoiAlign"{{.*}} -> tensor<7x3x2x3xf32>
func.func @sampling_ops(%x: tensor<?x3x4x5xf32>, %w: tensor<4x3x2x2xf32>, %o: tensor<?x8x3x3xf32>,
                        %i: tensor<?x3x4x5xi64>, %r: tensor<7x4xf32>, %b: tensor<7xi64>)
    -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0 = "onnx.DeformConv"(%x, %w, %o, %none, %none) : (tensor<?x3x4x5xf32>, tensor<4x3x2x2xf32>, tensor<?x8x3x3xf32>, none, none) -> tensor<*xf32>
  %1 = "onnx.MaxUnpool"(%x, %i, %none) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x3x4x5xf32>, tensor<?x3x4x5xi64>, none) -> tensor<*xf32>
  %2 = "onnx.RoiAlign"(%x, %r, %b) {output_height = 2 : i64, output_width = 3 : i64} : (tensor<?x3x4x5xf32>, tensor<7x4xf32>, tensor<7xi64>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that a Loop-carried value whose shape changes from one iteration to the next (a
// Concat grows it) gets a dynamic dim in the body and in the result, while a carried
// scalar keeps its static type, and that the scan output stacks the yielded rows.
// CHECK-LABEL: func.func @loop_growing_carried(
// CHECK: ^bb0(%{{.+}}: tensor<i64>, %{{.+}}: tensor<i1>, %{{.+}}: tensor<f32>, %{{.+}}: tensor<?xf32>):
// CHECK: "onnx.Concat"{{.*}} -> tensor<?xf32>
// CHECK: -> (tensor<f32>, tensor<?xf32>, tensor<?x3xf32>)
func.func @loop_growing_carried(%m: tensor<i64>, %c: tensor<i1>, %a: tensor<f32>, %v: tensor<2xf32>, %row: tensor<3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0:3 = "onnx.Loop"(%m, %c, %a, %v) ({
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %x: tensor<*xf32>, %y: tensor<*xf32>):
    %one = "onnx.Constant"() <{value = dense<1.0> : tensor<1xf32>}> : () -> tensor<1xf32>
    %1 = "onnx.Add"(%x, %x) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    %2 = "onnx.Concat"(%y, %one) <{axis = 0 : i64}> : (tensor<*xf32>, tensor<1xf32>) -> tensor<*xf32>
    %3 = "onnx.Identity"(%row) : (tensor<3xf32>) -> tensor<*xf32>
    onnx.Yield %cond, %1, %2, %3 : tensor<i1>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
  }) : (tensor<i64>, tensor<i1>, tensor<f32>, tensor<2xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1, %0#2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that If's results join what its branches yield: equal dims stay, differing ones
// become dynamic.
// CHECK-LABEL: func.func @if_join(
// CHECK: -> tensor<2x?xf32>
func.func @if_join(%c: tensor<i1>, %a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<*xf32> {
  %0 = "onnx.If"(%c) ({
    %1 = "onnx.Relu"(%a) : (tensor<2x3xf32>) -> tensor<*xf32>
    onnx.Yield %1 : tensor<*xf32>
  }, {
    %1 = "onnx.Relu"(%b) : (tensor<2x5xf32>) -> tensor<*xf32>
    onnx.Yield %1 : tensor<*xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that Scan-8's body is typed per batch entry (states without dim 0, inputs without
// dims 0 and 1) and its scan outputs are [B, T, ...].
// CHECK-LABEL: func.func @scan8(
// CHECK: ^bb0(%{{.+}}: tensor<2xf32>, %{{.+}}: tensor<2xf32>):
// CHECK: -> (tensor<1x2xf32>, tensor<1x3x2xf32>)
func.func @scan8(%init: tensor<1x2xf32>, %x: tensor<1x3x2xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0:2 = "onnx.ScanV8"(%none, %init, %x) <{num_scan_inputs = 1 : i64}> ({
  ^bb0(%s: tensor<*xf32>, %e: tensor<*xf32>):
    %1 = "onnx.Add"(%s, %e) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    onnx.Yield %1, %1 : tensor<*xf32>, tensor<*xf32>
  }) : (none, tensor<1x2xf32>, tensor<1x3x2xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests the result types of the sequence-model ops: LinearAttention's output [B, T, Hq * Dv]
// and state [B, Hkv, Dk, Dv], CausalConvWithState's state [B, C, K - 1], RotaryEmbedding,
// Swish and SwiGLU keeping the input's shape.
// CHECK-LABEL: func.func @sequence_model_ops(
// CHECK: "onnx.LinearAttention"{{.*}} -> (tensor<2x?x32xf32>, tensor<2x2x8x8xf32>)
// CHECK: "onnx.CausalConvWithState"{{.*}} -> (tensor<2x16x?xf32>, tensor<2x16x3xf32>)
// CHECK: "onnx.RotaryEmbedding"{{.*}} -> tensor<2x?x32xf32>
// CHECK: "onnx.Swish"{{.*}} -> tensor<2x?x32xf32>
// CHECK: "onnx.SwiGLU"{{.*}} -> tensor<2x?x32xf32>
func.func @sequence_model_ops(%q: tensor<2x?x32xf32>, %kv: tensor<2x?x16xf32>, %x: tensor<2x16x?xf32>, %w: tensor<16x1x4xf32>, %cos: tensor<8x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0:2 = "onnx.LinearAttention"(%q, %kv, %kv, %none, %none, %none) {q_num_heads = 4 : i64, kv_num_heads = 2 : i64, update_rule = "linear"} : (tensor<2x?x32xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32>, none, none, none) -> (tensor<*xf32>, tensor<*xf32>)
  %1:2 = "onnx.CausalConvWithState"(%x, %w, %none, %none) : (tensor<2x16x?xf32>, tensor<16x1x4xf32>, none, none) -> (tensor<*xf32>, tensor<*xf32>)
  %2 = "onnx.RotaryEmbedding"(%q, %cos, %cos, %none) {num_heads = 4 : i64} : (tensor<2x?x32xf32>, tensor<8x4xf32>, tensor<8x4xf32>, none) -> tensor<*xf32>
  %3 = "onnx.Swish"(%q) : (tensor<2x?x32xf32>) -> tensor<*xf32>
  %4 = "onnx.SwiGLU"(%q, %3) : (tensor<2x?x32xf32>, tensor<*xf32>) -> tensor<*xf32>
  return %0#0, %0#1, %1#0, %1#1, %2, %3, %4 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
