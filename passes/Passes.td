//===- Passes.td - Kiln's built-in passes ----------------------------------===//

#ifndef KILN_PASSES_TD
#define KILN_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"kiln-infer-shapes", "mlir::ModuleOp"> {
  let summary = "Refine onnx op result types with the dialect's shape inference";
  let description = [{
    Visits every op of the onnx dialect in order and refines its result types (element
    type, rank, static dimensions) with its `ShapeInferenceOpInterface`. Function result
    types follow the values they return. Types only ever get more precise.

    Before:
    ```mlir
    %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<*xf32>
    ```
    After:
    ```mlir
    %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "mlir::func::FuncDialect"];
}

def FoldConstants : Pass<"kiln-fold-constants", "mlir::ModuleOp"> {
  let summary = "Fold onnx ops whose inputs are all constants, whole subgraphs at once";
  let description = [{
    Visits the ops in program order (producers first) and replaces each op whose
    operands are all `onnx.Constant`s (or absent optional inputs) by a constant holding
    its result, so chains of such ops fold in one visit. The ops covered are the ones
    exported around shapes and weights: Identity, Cast, Reshape, (Un)Squeeze, Flatten,
    Transpose, Concat, Gather, Slice, Expand, Tile, Range, ConstantOfShape, Neg, Abs,
    Sqrt, Reciprocal, Floor, Ceil, Not, Add, Sub, Mul, Div, Pow, Min, Max, Sum, Where,
    the comparisons and And/Or/Xor; plus Shape and Size of statically shaped tensors and
    Gather of static dimensions from a Shape. Results follow ONNX semantics exactly
    (numpy broadcasting, integer wrap-around, truncating integer division, float math
    rounded once to the element type). A result is only folded when it has at most
    `max-elements` elements or no more than its constant inputs together, so a small
    constant never expands into a large one. Constants left unused are removed.

    Shape computations simplify in the same walk: the ops downstream of a folded value
    have their result types inferred again (as kiln-infer-shapes does) before they are
    considered, so a Reshape whose target shape just folded gets a static type, the Shape
    of that Reshape folds next, and so on; function results follow. kiln-infer-shapes'
    data propagation has already made static what Shape/Gather/Concat chains determine,
    and this pass turns those chains into constants.

    Before:
    ```mlir
    %c = "onnx.Constant"() <{value = dense<[2, 3]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %d = "onnx.Constant"() <{value = dense<4> : tensor<i64>}> : () -> tensor<i64>
    %0 = "onnx.Mul"(%c, %d) : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
    ```
    After:
    ```mlir
    %0 = "onnx.Constant"() <{value = dense<[8, 12]> : tensor<2xi64>}> : () -> tensor<2xi64>
    ```
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", "1 << 20",
           "Largest result (in elements) folded when it is larger than its inputs">
  ];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "mlir::func::FuncDialect"];
}

def WidenHalfContractions : Pass<"kiln-widen-half-contractions", "mlir::ModuleOp"> {
  let summary = "Compute fp16/bf16 MatMul, Gemm, Conv and ConvTranspose in f32";
  let description = [{
    The backend's fast kernels take f32: each of these ops with a half-precision result
    gets its half inputs Cast to f32 (constant weights fold) and its result Cast back to
    its own type, so the tensors between ops keep the model's declared precision.

    Before:
    ```mlir
    %y = "onnx.MatMul"(%x, %w) : (tensor<4x8xf16>, tensor<8x2xf16>) -> tensor<4x2xf16>
    ```
    After:
    ```mlir
    %0 = "onnx.Cast"(%x) <{to = 1 : i64}> : (tensor<4x8xf16>) -> tensor<4x8xf32>
    %1 = "onnx.Cast"(%w) <{to = 1 : i64}> : (tensor<8x2xf16>) -> tensor<8x2xf32>
    %2 = "onnx.MatMul"(%0, %1) : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
    %y = "onnx.Cast"(%2) <{to = 10 : i64}> : (tensor<4x2xf32>) -> tensor<4x2xf16>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def LowerOptionals : Pass<"kiln-lower-optionals", "mlir::ModuleOp"> {
  let summary = "Pass optional tensors as a tensor and a presence flag";
  let description = [{
    Replaces each `!onnx.opt<tensor<...>>` value whose uses are OptionalHasElement,
    OptionalGetElement and Identity by the pair (tensor, tensor<i1> presence flag). An
    optional tensor argument of a function becomes the tensor argument, marked
    `kiln.optional`, followed by its presence argument, marked `kiln.presence` (the
    model ABI of an optional input: the C glue passes false and a buffer never read
    for an absent input). Optional builds a pair (an absent one holds a placeholder),
    OptionalHasElement reads the flag (true for a plain tensor, false for no input),
    and OptionalGetElement reads the tensor after a `kiln.check` of the flag (code
    KILN_MODEL_ERROR_SHAPE: the element of an empty optional is an error). Optional
    values that reach other ops (If, Loop, sequences, model outputs) are left alone.

    Before:
    ```mlir
    func.func @main(%x: !onnx.opt<tensor<4xf32>>) -> tensor<i1> {
      %0 = "onnx.OptionalHasElement"(%x) : (!onnx.opt<tensor<4xf32>>) -> tensor<i1>
    ```
    After:
    ```mlir
    func.func @main(%x: tensor<4xf32> {kiln.optional}, %p: tensor<i1> {kiln.presence}) -> tensor<i1> {
      return %p : tensor<i1>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "kiln::kilnir::KilnDialect",
                           "mlir::arith::ArithDialect", "mlir::tensor::TensorDialect",
                           "mlir::func::FuncDialect"];
}

def ResolveRuntimeRanks : Pass<"kiln-resolve-runtime-ranks", "mlir::ModuleOp"> {
  let summary = "Give a fixed rank to values whose ONNX rank depends on run-time data";
  let description = [{
    Two rewrites, each followed by kiln-infer-shapes and kiln-fold-constants:

    * An `onnx.If` result whose branches differ in rank only by leading 1 dims, and
      whose every use broadcasts it (numpy style) against operands of at least the
      larger rank (Add, Mul, Where, the comparisons, ..., or CastLike's target type):
      the branch of smaller rank unsqueezes its value to the larger rank, which
      changes no user's result.
    * An `onnx.Squeeze` without axes of a tensor with dynamic dims: compiled as the
      Squeeze of its static 1 dims, behind one `kiln.check` per dynamic dim that it
      is not 1 (code KILN_MODEL_ERROR_SHAPE), since a 1 there would change the rank.

    Before:
    ```mlir
    %s = "onnx.Squeeze"(%x, %none) : (tensor<?x1x3xf32>, none) -> tensor<*xf32>
    ```
    After:
    ```mlir
    %d = tensor.dim %x, %c0 : tensor<?x1x3xf32>
    kiln.check %ne1, %c0, %d {code = 1 : i32, message = "node 's' (Squeeze): ..."}
    %s = "onnx.Squeeze"(%x, %axes_1) : (tensor<?x1x3xf32>, tensor<1xi64>) -> tensor<?x3xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "kiln::kilnir::KilnDialect",
                           "mlir::arith::ArithDialect", "mlir::tensor::TensorDialect"];
}

def PruneInvalidBranches : Pass<"kiln-prune-invalid-branches", "mlir::ModuleOp"> {
  let summary = "Replace an If by its only branch that gives a valid model, behind a run-time check";
  let description = [{
    For each `onnx.If` whose condition is not a constant and whose branches yield
    different ranks, tries both branches on a copy of the module (the branch replaces the
    If, then kiln-infer-shapes and kiln-fold-constants run). When exactly one branch gives
    a valid module, it replaces the If behind a `kiln.check` of the condition (code
    KILN_MODEL_ERROR_SHAPE, the message names the If and why the other branch cannot run),
    and the pass warns. Exporters write `x.squeeze(d)` on a dynamic size this way, and the
    code after it often works for one rank only, as in silero-vad.

    Before (`%r` feeds an op that only takes rank 2):
    ```mlir
    %r = "onnx.If"(%c) ({ ... onnx.Yield %sq : tensor<1x128xf32> },
                        { onnx.Yield %x : tensor<1x128x?xf32> })
    ```
    After:
    ```mlir
    %f = tensor.extract %c[] : tensor<i1>
    kiln.check %f, %c0, %c0 {code = 1 : i32, message = "node 'If' (If): the model can only run when ..."}
    ... the then branch's ops; %sq replaces %r ...
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "kiln::kilnir::KilnDialect",
                           "mlir::arith::ArithDialect", "mlir::tensor::TensorDialect"];
}

def QuantizeDynamic : Pass<"kiln-quantize-dynamic", "mlir::ModuleOp"> {
  let summary = "Dynamic int8 quantization of contractions with constant weights";
  let description = [{
    What ONNX Runtime's `quantize_dynamic` writes (u8 activations, s8 weights,
    per_channel = True), done by the compiler (`kilnc --quantize=int8-dynamic`). Each
    MatMul with a constant f32 B of rank >= 2, Gemm with a constant B, and Conv (group 1)
    with a constant W becomes

      (Aq, a_scale, a_zp) = DynamicQuantizeLinear(A)          per tensor, at run time
      Y = Cast<f32>(MatMulInteger(Aq, Bq, a_zp)) * (a_scale * b_scale) [+ bias]

    (ConvInteger for a Conv) with Bq int8, symmetric (zero point 0), one scale per
    output column (per batch and column of a batched B; per output channel of a Conv
    weight), computed at compile time: b_scale = max |b| / 127. Gemm's transB is
    applied to the constant, transA to Aq, alpha folds into b_scale and beta * C is
    the bias; Conv's B is the bias. One DynamicQuantizeLinear serves every
    quantized contraction of the same A. Everything else stays f32. kilnc runs it
    before the after-import plugins (the layout plugin would make 2-D Convs f32 NHWC
    convolutions, which have no 8-bit form).

    Kept in f32 (and listed with the reason): a non-constant or non-f32 weight, a
    1-D B, a grouped Conv, nodes named in `exclude`, and weights of fewer than
    `min-weight-elements` elements (K x N, or M x C/group x kernel), where quantizing
    the activation costs about as much as the 8-bit product saves. The module
    attribute `kiln.quantization` records each node's outcome (QuantizationReport.h).
    An unknown name in `exclude` is an error, and so is a module with nothing to
    quantize unless `allow-none` is set.

    Before:
    ```mlir
    %y = "onnx.MatMul"(%a, %w) : (tensor<?x128x768xf32>, tensor<768x768xf32>) -> tensor<?x128x768xf32>
    ```
    After:
    ```mlir
    %q:3 = "onnx.DynamicQuantizeLinear"(%a) : (tensor<?x128x768xf32>) -> (tensor<?x128x768xui8>, tensor<f32>, tensor<ui8>)
    %i = "onnx.MatMulInteger"(%q#0, %wq, %q#2, %none) : (...) -> tensor<?x128x768xi32>
    %f = "onnx.Cast"(%i) <{to = 1 : i64}> : (tensor<?x128x768xi32>) -> tensor<?x128x768xf32>
    %s = "onnx.Mul"(%q#1, %w_scale) : (tensor<f32>, tensor<768xf32>) -> tensor<768xf32>
    %y = "onnx.Mul"(%f, %s) : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
    ```
  }];
  let options = [
    ListOption<"exclude", "exclude", "std::string",
               "ONNX node names kept in f32">,
    Option<"minWeightElements", "min-weight-elements", "int64_t", "4096",
           "Smallest weight (K x N elements per product) that is quantized">,
    Option<"allowNone", "allow-none", "bool", "false",
           "Do not fail when nothing can be quantized">
  ];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def QuantizeStatic : Pass<"kiln-quantize-static", "mlir::ModuleOp"> {
  let summary = "Static int8 quantization of contractions with calibrated activation ranges";
  let description = [{
    `kilnc --quantize=int8`: the contractions kiln-quantize-dynamic quantizes (same
    weights, same reasons to stay f32) become

      Aq = QuantizeLinear(A, a_scale, a_zp)                    constants, u8
      Y  = Cast<f32>(MatMulInteger(Aq, Bq, a_zp)) * (a_scale * b_scale) [+ bias]

    with a_scale and a_zp from A's calibrated range [min, max] (widened to hold 0):
    a_scale = (max - min) / 255, a_zp = round(-min / a_scale); a_scale * b_scale is one
    constant. kilnc gives the ranges by node name (StaticQuantization.h); otherwise
    the contraction's `kiln.activation_range` attribute (array<f64: min, max>) does. A
    contraction without a range stays f32 ("no calibration range"). One QuantizeLinear
    serves every quantized contraction of the same A.

    Before:
    ```mlir
    %y = "onnx.MatMul"(%a, %w) {kiln.activation_range = array<f64: -1.0, 3.0>} : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32>
    ```
    After:
    ```mlir
    %q = "onnx.QuantizeLinear"(%a, %a_scale, %a_zp) : (tensor<4x64xf32>, tensor<f32>, tensor<ui8>) -> tensor<4x64xui8>
    %i = "onnx.MatMulInteger"(%q, %wq, %a_zp, %none) : (...) -> tensor<4x64xi32>
    %f = "onnx.Cast"(%i) <{to = 1 : i64}> : (tensor<4x64xi32>) -> tensor<4x64xf32>
    %y = "onnx.Mul"(%f, %scale) : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
    ```
  }];
  let options = [
    ListOption<"exclude", "exclude", "std::string",
               "ONNX node names kept in f32">,
    Option<"minWeightElements", "min-weight-elements", "int64_t", "4096",
           "Smallest weight (K x N elements per product) that is quantized">,
    Option<"allowNone", "allow-none", "bool", "false",
           "Do not fail when nothing can be quantized">,
    Option<"layerOutputs", "layer-outputs", "bool", "false",
           "Also return each quantized contraction's result as an extra output "
           "\"kiln.layer:<node key>\" (kilnc's per-layer SQNR)">
  ];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def ImportQdq : Pass<"kiln-import-qdq", "mlir::ModuleOp"> {
  let summary = "Compute the contractions of QDQ models on their 8-bit operands";
  let description = [{
    Models quantized elsewhere (ORT's `quantize_static` with QuantFormat.QDQ,
    quantization-aware training) hold MatMul, Gemm and Conv (group 1) between
    DequantizeLinear ops. Each one whose A is DequantizeLinear(Aq, a_scale, a_zp) (8-bit,
    constant scalar scale and zero point) and whose weight is DequantizeLinear(Wq,
    w_scale, 0) (a constant 8-bit weight, zero points 0, per tensor or per output
    channel) becomes

      Y = Cast<f32>(MatMulInteger(Aq, Wq, a_zp)) * (a_scale * w_scale) [+ bias]

    (ConvInteger for a Conv; Gemm's transB applied to the constant), what
    kiln-quantize-static writes, so the CPU backend runs it on its 8-bit kernels with the
    scales in the epilogue, instead of dequantizing the weight on every run and
    multiplying in f32. DequantizeLinear of constants of 8 bits or more that remain
    (int32 biases, weights the 8-bit kernels do not take: grouped convolutions, batched
    MatMul weights) fold into f32 constants; 4-bit ones stay for the 4-bit kernels. A
    Gather of a dequantized constant table (a quantized embedding) whose scale does not
    vary along the gathered axis gathers the 8-bit rows and dequantizes them. The
    QuantizeLinear/DequantizeLinear pairs between layers stay as they are.
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def QuantizeInt4Weights : Pass<"kiln-quantize-int4-weights", "mlir::ModuleOp"> {
  let summary = "Weight-only 4-bit quantization of MatMul/Gemm weights, block-wise along K";
  let description = [{
    `kilnc --quantize=int4-weights [--block-size=B]`. Each MatMul with a constant 2-D f32
    B [K, N] and each Gemm with a constant B (transB applied to the constant) reads

      B' = DequantizeLinear(Bq, scale, zero_point, axis = 0, block_size = B)

    instead, Bq [K, N] holding values 0..15 (uint8 tensors; the CPU backend packs them
    two per byte), scale f32 and zero_point [ceil(K / B), N]: per column and block of B
    k rows, asymmetric over the block's range widened to hold 0 (so zero weights stay
    exact): scale = (max - min) / 15, zero_point = round(-min / scale),
    Bq = clamp(round(w / scale) + zero_point, 0, 15). Activations and arithmetic stay
    f32. This is the form of ONNX's int4 QDQ models and of ORT's MatMulNBits, which the
    backend computes the same way (Int4Weights.cpp).

    With `gather-tables`, each Gather along axis 0 of a constant 2-D f32 table of at
    least `min-weight-elements` elements (an embedding) stores it as int8, symmetric,
    one scale per row: Gather(T, i) becomes Cast<f32>(Gather(Tq, i)) * Gather(s, i),
    which dequantizes only the rows gathered.

    Kept in f32 (and listed with the reason): a non-constant or non-f32 weight, a B of
    rank other than 2, nodes named in `exclude`, and weights of fewer than
    `min-weight-elements` elements. The module attribute `kiln.quantization` records
    each node's outcome with the weight's SQNR. An unknown name in `exclude` is an
    error, and so is a module with nothing to quantize unless `allow-none` is set.

    Before:
    ```mlir
    %y = "onnx.MatMul"(%a, %w) : (tensor<?x768xf32>, tensor<768x3072xf32>) -> tensor<?x3072xf32>
    ```
    After:
    ```mlir
    %b = "onnx.DequantizeLinear"(%wq, %scale, %zp) <{axis = 0 : i64, block_size = 32 : i64}>
           : (tensor<768x3072xui8>, tensor<24x3072xf32>, tensor<24x3072xui8>) -> tensor<768x3072xf32>
    %y = "onnx.MatMul"(%a, %b) : (tensor<?x768xf32>, tensor<768x3072xf32>) -> tensor<?x3072xf32>
    ```
  }];
  let options = [
    ListOption<"exclude", "exclude", "std::string",
               "ONNX node names kept in f32">,
    Option<"blockSize", "block-size", "int64_t", "32",
           "k rows per scale (a power of two, 16 to 256)">,
    Option<"minWeightElements", "min-weight-elements", "int64_t", "4096",
           "Smallest weight (K x N elements, or a table's) that is quantized">,
    Option<"gatherTables", "gather-tables", "bool", "true",
           "Also store constant Gather tables (embeddings) as int8 per row">,
    Option<"allowNone", "allow-none", "bool", "false",
           "Do not fail when nothing can be quantized">
  ];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def AddCalibrationOutputs : Pass<"kiln-add-calibration-outputs", "mlir::ModuleOp"> {
  let summary = "Return the activations static quantization needs ranges of";
  let description = [{
    The calibration model of `kilnc --quantize=int8`: the f32 A operand of every
    contraction that kiln-quantize-static would quantize (given a range) becomes an
    extra result "kiln.calibration.<k>" of the main function, one per distinct value;
    the module attribute `kiln.calibration_outputs` is an array whose element k lists
    the node names (StaticQuantization.h's node keys) of the contractions reading it.
    Contractions inside subgraphs are left out (they stay f32). With `layer-outputs`,
    each such contraction's result is returned too, as "kiln.layer:<node key>". As
    kiln-quantize-static, it fails on a module with nothing to quantize unless
    `allow-none` is set (kilnc then stops before calibrating).
  }];
  let options = [
    ListOption<"exclude", "exclude", "std::string",
               "ONNX node names kept in f32">,
    Option<"minWeightElements", "min-weight-elements", "int64_t", "4096",
           "Smallest weight (K x N elements per product) that is quantized">,
    Option<"layerOutputs", "layer-outputs", "bool", "false",
           "Also return each such contraction's f32 result as an extra output "
           "\"kiln.layer:<node key>\" (kilnc's per-layer SQNR)">,
    Option<"allowNone", "allow-none", "bool", "false",
           "Do not fail when no contraction would be quantized">
  ];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def UpgradeOnnxOps : Pass<"kiln-upgrade-onnx-ops"> {
  let summary = "Rewrite older ONNX op signatures as the newest op where that is exact";
  let description = [{
    The importer keeps a node at the signature of its model's opset (`onnx.CastV13` in an
    opset-13 model). Where the newest signature only added optional inputs, outputs or
    attributes whose defaults keep the old behaviour (the generator decides, see
    `KILN_ONNX_OP_UPGRADE` in ir/onnx/OnnxOpVersions.inc), this pass rewrites the op as
    the newest one, so later passes handle one form. Old attribute defaults that differ
    from the new ones are set explicitly.

    Before:
    ```mlir
    %0 = "onnx.CastV13"(%x) {to = 1 : i64} : (tensor<2xi64>) -> tensor<2xf32>
    ```
    After:
    ```mlir
    %0 = "onnx.Cast"(%x) {to = 1 : i64} : (tensor<2xi64>) -> tensor<2xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def ConvertOnnxToLinalg : Pass<"kiln-convert-onnx-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower the onnx dialect to linalg, tensor, arith and math on tensors";
  let description = [{
    Lowers every onnx op to upstream dialects on tensors, one pattern file per ONNX
    operator category (Elementwise, MatMul, NN, Tensor, Reduction). Dynamic dimensions
    stay dynamic. Unsigned integer element types become signless; the patterns choose
    signed or unsigned arithmetic from the original ONNX type. An op that cannot be
    lowered is an error naming its node, its op type and why.

    Before:
    ```mlir
    %0 = "onnx.Relu"(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
    ```
    After:
    ```mlir
    %c0 = arith.constant 0 : index
    %d0 = tensor.dim %x, %c0 : tensor<?x4xf32>
    %e = tensor.empty(%d0) : tensor<?x4xf32>
    %0 = linalg.generic {...} ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %zero = arith.constant 0.0 : f32
      %r = arith.maximumf %in, %zero : f32
      linalg.yield %r : f32
    } -> tensor<?x4xf32>
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect", "mlir::math::MathDialect",
    "mlir::tensor::TensorDialect", "mlir::scf::SCFDialect",
    "mlir::bufferization::BufferizationDialect", "mlir::complex::ComplexDialect",
    "kiln::kilnir::KilnDialect"
  ];
  let options = [
    Option<"winograd", "winograd", "bool", "false",
           "Lower 3x3 stride-1 convolutions with constant weights and enough channels as "
           "Winograd F(2x2, 3x3) (NN/ConvWinograd.h)">,
    ListOption<"winogradNodes", "winograd-nodes", "std::string",
               "With winograd: only the convolutions of these ONNX nodes (all when empty)">
  ];
}

#endif // KILN_PASSES_TD
