// RUN: kiln-opt --split-input-file --kiln-lower-optionals %s | FileCheck %s

// Tests that an optional tensor input becomes the tensor, marked kiln.optional, and a
// tensor<i1> presence argument after it, which OptionalHasElement returns.
// CHECK-LABEL: func.func @has_element
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32> {kiln.optional, onnx.name = "x"}, %[[P:.+]]: tensor<i1> {kiln.presence}) -> tensor<i1>
// CHECK-NOT: onnx.OptionalHasElement
// CHECK: return %[[P]] : tensor<i1>
func.func @has_element(%x: !onnx.opt<tensor<4xf32>> {onnx.name = "x"}) -> tensor<i1> {
  %0 = "onnx.OptionalHasElement"(%x) : (!onnx.opt<tensor<4xf32>>) -> tensor<i1>
  return %0 : tensor<i1>
}

// -----

// Tests that OptionalGetElement of an optional input (through an Identity) checks at
// run time that it is present, then is the tensor.
// CHECK-LABEL: func.func @get_element
// CHECK-SAME: (%[[X:.+]]: tensor<?x3xf32> {kiln.optional}, %[[P:.+]]: tensor<i1> {kiln.presence}) -> tensor<?x3xf32>
// CHECK: %[[F:.+]] = tensor.extract %[[P]][] : tensor<i1>
// CHECK: kiln.check %[[F]], %{{.+}}, %{{.+}} {code = 1 : i32, message = "node 'get' (OptionalGetElement): the optional input is empty (absent)"}
// CHECK-NOT: onnx.Identity
// CHECK: return %[[X]] : tensor<?x3xf32>
func.func @get_element(%x: !onnx.opt<tensor<?x3xf32>>) -> tensor<?x3xf32> {
  %i = "onnx.Identity"(%x) : (!onnx.opt<tensor<?x3xf32>>) -> !onnx.opt<tensor<?x3xf32>>
  %0 = "onnx.OptionalGetElement"(%i) : (!onnx.opt<tensor<?x3xf32>>) -> tensor<?x3xf32> loc("get")
  return %0 : tensor<?x3xf32>
}

// -----

// Tests that OptionalHasElement is true on a plain tensor and false on no input, and
// that OptionalGetElement of a plain tensor is that tensor.
// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[X:.+]]: tensor<2xf32>)
// CHECK-DAG: %[[T:.+]] = "onnx.Constant"() <{value = dense<true> : tensor<i1>}>
// CHECK-DAG: %[[F:.+]] = "onnx.Constant"() <{value = dense<false> : tensor<i1>}>
// CHECK: return %[[T]], %[[F]], %[[X]]
func.func @plain(%x: tensor<2xf32>) -> (tensor<i1>, tensor<i1>, tensor<2xf32>) {
  %none = "onnx.NoValue"() {value} : () -> none
  %0 = "onnx.OptionalHasElement"(%x) : (tensor<2xf32>) -> tensor<i1>
  %1 = "onnx.OptionalHasElement"(%none) : (none) -> tensor<i1>
  %2 = "onnx.OptionalGetElement"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %0, %1, %2 : tensor<i1>, tensor<i1>, tensor<2xf32>
}

// -----

// Tests that Optional builds a present pair from a tensor and an absent one (a
// placeholder that is never read) from its type attribute.
// CHECK-LABEL: func.func @optional_op
// CHECK-DAG: %[[T:.+]] = "onnx.Constant"() <{value = dense<true> : tensor<i1>}>
// CHECK-DAG: %[[F:.+]] = "onnx.Constant"() <{value = dense<false> : tensor<i1>}>
// CHECK-NOT: onnx.Optional
// CHECK: return %[[T]], %[[F]]
func.func @optional_op(%x: tensor<2xf32>) -> (tensor<i1>, tensor<i1>) {
  %none = "onnx.NoValue"() {value} : () -> none
  %a = "onnx.Optional"(%x) : (tensor<2xf32>) -> !onnx.opt<tensor<2xf32>>
  %b = "onnx.Optional"(%none) {type_ = tensor<?xf32>} : (none) -> !onnx.opt<tensor<?xf32>>
  %0 = "onnx.OptionalHasElement"(%a) : (!onnx.opt<tensor<2xf32>>) -> tensor<i1>
  %1 = "onnx.OptionalHasElement"(%b) : (!onnx.opt<tensor<?xf32>>) -> tensor<i1>
  return %0, %1 : tensor<i1>, tensor<i1>
}

// -----

// Tests that an optional input returned as a model output keeps its type (the model
// signature then explains that it cannot be compiled).
// CHECK-LABEL: func.func @returned
// CHECK-SAME: (%{{.+}}: !onnx.opt<tensor<2xf32>>) -> !onnx.opt<tensor<2xf32>>
func.func @returned(%x: !onnx.opt<tensor<2xf32>>) -> !onnx.opt<tensor<2xf32>> {
  return %x : !onnx.opt<tensor<2xf32>>
}
