// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s
// Tests that string constants are rejected.
// CHECK: node 'str' (Constant): cannot be compiled: string constants are not supported
func.func @string_constant() -> tensor<!onnx.string> {
  %0 = "onnx.Constant"() {value_string = "hi"} : () -> tensor<!onnx.string> loc("str")
  return %0 : tensor<!onnx.string>
}
