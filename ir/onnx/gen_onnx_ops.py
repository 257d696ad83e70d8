#!/usr/bin/env python3
"""Generates the `onnx` dialect's op surface from the ONNX schema registry.

Run from the repository root after changing the `onnx` Python package version:

    python3 ir/onnx/gen_onnx_ops.py            # rewrites ir/onnx/OnnxOps*.td and OnnxOpVersions*.inc
    python3 ir/onnx/gen_onnx_ops.py --check    # exits 1 if the checked-in files are stale

The ops are grouped by ONNX operator category, the onnx/defs folder of each op's schema
(Math, NN, Tensor, ...; the Gather/Scatter family is Indexing), with the same category names
as the verifiers and shape inference (ir/onnx/Verifiers<Category>.cpp,
ShapeInference<Category>.cpp), the lowering (passes/OnnxToLinalg/<Category>/) and the lit
tests (tests/lit/conversion/<Category>/): OnnxOps<Category>.td holds a category's op
definitions and OnnxOpVersions<Category>.inc its version rows; OnnxOps.td and
OnnxOpVersions.inc include them. A category whose .td would reach LINE_LIMIT lines is split
by op-name range (OnnxOpsMathA-L.td, ...).

One MLIR op is generated per distinct *signature* (inputs, outputs, attributes) in an op's
history. The newest signature is `onnx.<Op>`; an older one that differs is kept as
`onnx.<Op>V<since>` so a model at any opset imports without a lossy conversion. Versions that
only widen type constraints share one op whose constraints are the union.

Hand-written C++ hooks (verifiers, shape inference, folders) are declared by the tables
HAS_VERIFIER / HAS_SHAPE_INFERENCE below; the C++ lives in ir/onnx/*.cpp.
"""
from __future__ import annotations

import argparse
import glob
import itertools
import os
import sys
from dataclasses import dataclass, field

import onnx
from onnx import defs, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contrib_schemas  # noqa: E402  (hand-written ONNX Runtime contrib schemas)

HERE = os.path.dirname(os.path.abspath(__file__))

DOMAINS = {
    "": ("", ""),
    "ai.onnx.ml": ("ml.", "ML"),
    "ai.onnx.preview.training": ("training.", "Training"),
    "ai.onnx.preview": ("preview.", "Preview"),
}

# Ops whose hand-written verifier lives in ir/onnx/Verifiers<Category>.cpp (newest signature
# only).
HAS_VERIFIER = {
    # Math
    "Add", "Sub", "Mul", "Div", "Pow", "MatMul", "Gemm", "Softmax", "LogSoftmax", "Expand",
    # NN
    "Conv", "ConvTranspose", "BatchNormalization", "MaxPool", "AveragePool",
    "LayerNormalization", "Flatten",
    # Tensor
    "Reshape", "Transpose", "Concat", "Squeeze", "Unsqueeze", "Cast", "Split", "Slice", "Where",
    # Indexing
    "Gather",
    # Generator
    "Constant",
}

# Category names (CamelCase) of the onnx/defs folders, and of the other domains' ops.
CATEGORIES = {
    "math": "Math", "nn": "NN", "tensor": "Tensor", "reduction": "Reduction",
    "logical": "Logical", "generator": "Generator", "controlflow": "ControlFlow",
    "quantization": "Quantization", "rnn": "RNN", "sequence": "Sequence",
    "object_detection": "ObjectDetection", "image": "Image", "optional": "Optional",
    "text": "Text", "traditionalml": "ML", "training": "Training", "preview": "Preview",
}
# The ONNX Runtime contrib ops of contrib_schemas.py: category Contrib, `onnx.ms.<Op>`.
CONTRIB = ("ms.", "MS", "Contrib")
# The Gather/Scatter family (and OneHot): category Indexing rather than onnx/defs' tensor.
INDEXING = {"Gather", "GatherElements", "GatherND", "Scatter", "ScatterElements", "ScatterND",
            "TensorScatter", "OneHot"}
# A generated .td has fewer lines than this; a larger category is split by op-name range.
LINE_LIMIT = 800

# Ops with shape inference (ShapeInferenceOpInterface) in ir/onnx/ShapeInference<Category>.cpp.
HAS_SHAPE_INFERENCE = {
    # Math: unary elementwise (result = operand type)
    "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Cos", "Cosh", "Sin", "Sinh",
    "Tan", "Tanh", "Relu", "Sigmoid", "Erf", "Exp", "Log", "Sqrt", "Neg", "Reciprocal",
    "Floor", "Ceil", "Round", "Sign", "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid",
    "HardSwish", "Softplus", "Softsign", "Mish", "Gelu", "ThresholdedRelu", "Clip", "Swish",
    "SwiGLU",
    # Math: broadcasting
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "PRelu", "Max", "Min", "Sum", "Mean",
    # Math: contractions, normalizations over an axis, and the rest
    "MatMul", "Gemm", "Softmax", "LogSoftmax", "Hardmax", "CumSum", "Expand",
    "MatMulInteger", "QLinearMatMul",
    # Logical
    "Not", "BitwiseNot", "And", "Or", "Xor", "BitShift", "BitwiseAnd", "BitwiseOr",
    "BitwiseXor", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
    # NN
    "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "BatchNormalization", "InstanceNormalization", "LayerNormalization", "Dropout",
    "RMSNormalization", "Attention", "Flatten", "Shrink", "ConvInteger", "QLinearConv",
    "LpPool", "GlobalLpPool", "Col2Im", "DeformConv", "MaxUnpool",
    "LinearAttention", "CausalConvWithState", "RotaryEmbedding",
    # Tensor
    "Cast", "CastLike", "Shape", "Size", "Reshape", "Transpose", "Concat", "Squeeze",
    "Unsqueeze", "Slice", "Split", "Tile", "Pad", "Trilu", "Identity", "IsNaN", "IsInf",
    "Where", "Resize", "GridSample", "AffineGrid", "CenterCropPad",
    # ObjectDetection
    "RoiAlign",
    # Indexing
    "Gather", "GatherElements", "ScatterElements", "ScatterND",
    # Generator
    "Constant", "ConstantOfShape", "Range",
    # Reduction
    "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceL1",
    "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "ArgMax", "ArgMin",
    # RNN
    "LSTM", "GRU", "RNN",
    # Quantization
    "DynamicQuantizeLinear", "DequantizeLinear", "QuantizeLinear",
    # ControlFlow
    "If", "Loop", "Scan",
    # Sequence
    "SplitToSequence", "ConcatFromSequence", "SequenceConstruct", "SequenceInsert",
    "SequenceErase", "SequenceAt",
}

# Ops of other domains with shape inference (by MLIR op name), in
# ir/onnx/ShapeInference<Category>.cpp: libonnx 1.12 knows ai.onnx.ml up to opset 3 only.
OTHER_DOMAINS_WITH_SHAPE_INFERENCE = {
    "ml.Binarizer", "ml.ArrayFeatureExtractor", "ml.TreeEnsemble", "ml.TreeEnsembleRegressor",
}

# Older signatures (by MLIR op name) that keep their own lowering and so need their own
# shape inference: Scan-8 runs its body per batch entry.
OLD_SIGNATURES_WITH_SHAPE_INFERENCE = {"ScanV8"}

# Ops that are not deterministic: no NoMemoryEffect, so CSE does not merge two draws.
NONDETERMINISTIC = {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
                    "Bernoulli", "Multinomial", "Dropout"}

ELEM = {
    "float": "F32", "double": "F64", "float16": "F16", "bfloat16": "BF16",
    "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64",
    "uint8": "UI8", "uint16": "UI16", "uint32": "UI32", "uint64": "UI64",
    "bool": "I1", "string": "ONNX_StringType",
    "complex64": "Complex<F32>", "complex128": "Complex<F64>",
    "float8e4m3fn": "F8E4M3FN", "float8e4m3fnuz": "F8E4M3FNUZ",
    "float8e5m2": "F8E5M2", "float8e5m2fnuz": "F8E5M2FNUZ", "float8e8m0": "F8E8M0FNU",
    "int4": "I<4>", "uint4": "UI<4>", "int2": "I<2>", "uint2": "UI<2>", "float4e2m1": "F4E2M1FN",
}
# MLIR spelling of element types for the importer's output-type rules.
ELEM_MLIR = {
    "float": "f32", "double": "f64", "float16": "f16", "bfloat16": "bf16",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "ui8", "uint16": "ui16", "uint32": "ui32", "uint64": "ui64", "bool": "i1",
}

ATTR = {
    "INT": ("I64Attr", "SI64"), "FLOAT": ("F32Attr", "F32"), "STRING": ("StrAttr", "STR"),
    "INTS": ("DenseI64ArrayAttr", None), "FLOATS": ("DenseF32ArrayAttr", None),
    "STRINGS": ("StrArrayAttr", None), "TENSOR": ("ElementsAttr", None),
    "TENSORS": ("TypedArrayAttrBase<ElementsAttr, \"array of tensors\">", None),
    "TYPE_PROTO": ("TypeAttr", None), "SPARSE_TENSOR": ("ElementsAttr", None),
}

# Names that ODS or the generated C++ reserve; such operands/attributes get a suffix.
RESERVED = {"name", "operands", "results", "attributes", "regions", "location", "context",
            "type", "properties", "operation", "kind", "default", "template", "operator"}


@dataclass
class Sig:
    inputs: list
    outputs: list
    attrs: list  # (name, type_name, required, default-literal or None)
    graphs: list
    optional_graphs: frozenset  # GRAPH attributes a node may omit: empty regions

    def key(self):
        return (tuple(self.inputs), tuple(self.outputs), tuple(self.attrs), tuple(self.graphs),
                self.optional_graphs)


@dataclass
class OpDef:
    domain: str
    name: str
    since: int  # since_version of the newest schema merged into this op
    schemas: list = field(default_factory=list)
    mlir_name: str = ""
    cpp_name: str = ""
    category: str = ""
    contrib: bool = False  # hand-written in contrib_schemas.py

    @property
    def newest(self):
        return self.schemas[-1]


def formal(p):
    opt = {defs.OpSchema.FormalParameterOption.Single: "single",
           defs.OpSchema.FormalParameterOption.Optional: "optional",
           defs.OpSchema.FormalParameterOption.Variadic: "variadic"}[p.option]
    return (p.name.rstrip(".").replace(".", "_"), opt)


def default_literal(attr):
    """The ODS default-value expression of a scalar attribute, or None."""
    d = attr.default_value
    if d is None or d.type == 0:
        return None
    value = helper.get_attribute_value(d)
    t = str(attr.type).split(".")[-1]
    if t == "INT":
        return str(int(value))
    if t == "FLOAT":
        return repr(float(value))
    if t == "STRING":
        return '\\"' + value.decode() + '\\"'
    return None


def signature(schema):
    attrs, graphs, optional_graphs = [], [], set()
    for name, a in sorted(schema.attributes.items(), key=lambda kv: (kv[0] != "then_branch", kv[0])):
        t = str(a.type).split(".")[-1]
        if t == "GRAPH":
            graphs.append(name)
            if not a.required:
                optional_graphs.add(name)
        else:
            attrs.append((name, t, bool(a.required), default_literal(a)))
    return Sig([formal(i) for i in schema.inputs], [formal(o) for o in schema.outputs],
               attrs, graphs, frozenset(optional_graphs))


def category_of(domain, name, newest_schema):
    """The category of an op: Indexing for the Gather/Scatter family of the default domain,
    else the onnx/defs folder of its newest schema (every version of an op shares it)."""
    if domain == "" and name in INDEXING:
        return "Indexing"
    folder = os.path.basename(os.path.dirname(newest_schema.file))
    return CATEGORIES[folder]


def collect():
    by_op = {}
    for s in defs.get_all_schemas_with_history():
        if s.domain not in DOMAINS:
            continue
        by_op.setdefault((s.domain, s.name), []).append(s)
    ops = []
    for s in sorted(contrib_schemas.schemas(), key=lambda s: s.name):
        prefix, cpp_prefix, category = CONTRIB
        op = OpDef(s.domain, s.name, s.since_version, [s], f"{prefix}{s.name}",
                   f"{cpp_prefix}{s.name}", category, contrib=True)
        ops.append((op, True))
    for (domain, name), schemas in sorted(by_op.items()):
        schemas.sort(key=lambda s: s.since_version)
        groups = []  # consecutive versions with one signature
        for s in schemas:
            if groups and signature(groups[-1][-1]).key() == signature(s).key():
                groups[-1].append(s)
            else:
                groups.append([s])
        prefix, cpp_prefix = DOMAINS[domain]
        category = category_of(domain, name, schemas[-1])
        for i, g in enumerate(groups):
            op = OpDef(domain, name, g[-1].since_version, g, category=category)
            newest = i == len(groups) - 1
            suffix = "" if newest else f"V{g[-1].since_version}"
            op.mlir_name = f"{prefix}{name}{suffix}"
            op.cpp_name = f"{cpp_prefix}{name}{suffix}"
            ops.append((op, newest))
    return ops


def type_constraint(op, param_type_str):
    """Union of allowed element types for a formal parameter across the merged schemas."""
    elems, others = set(), set()
    for s in op.schemas:
        allowed = None
        for tc in s.type_constraints:
            if tc.type_param_str == param_type_str:
                allowed = list(tc.allowed_type_strs)
        if allowed is None:
            allowed = [param_type_str]
        for t in allowed:
            if t.startswith("tensor(") and t[7:-1] in ELEM:
                elems.add(ELEM[t[7:-1]])
            else:
                others.add(t.split("(")[0])
    parts = []
    if elems:
        parts.append("TensorOf<[" + ", ".join(sorted(elems)) + "]>")
    for o in sorted(others):
        parts.append({"seq": "ONNX_SeqType", "optional": "ONNX_OptType", "map": "ONNX_MapType",
                      "sparse_tensor": "AnyTensor", "tensor": "AnyTensor"}.get(o, "AnyType"))
    if not parts:
        return "AnyType"
    return parts[0] if len(parts) == 1 else "AnyTypeOf<[" + ", ".join(parts) + "]>"


def ods_name(name, used):
    n = name
    if n.lower() in RESERVED or n in used:
        n = n + "_"
    used.add(n)
    return n


def output_rule(op, out):
    """How the importer derives an output's element type without shape inference:
    `in<i>` (same as input i), an MLIR element type, or `?`."""
    s = op.newest
    if op.contrib and op.name in contrib_schemas.OUTPUT_RULES:
        return contrib_schemas.OUTPUT_RULES[op.name][[o.name for o in s.outputs].index(out.name)]
    for i, inp in enumerate(s.inputs):
        if inp.type_str == out.type_str:
            return f"in{i}"
    allowed = [out.type_str]
    for tc in s.type_constraints:
        if tc.type_param_str == out.type_str:
            allowed = list(tc.allowed_type_strs)
    if len(allowed) == 1 and allowed[0][7:-1] in ELEM_MLIR:
        return ELEM_MLIR[allowed[0][7:-1]]
    return "?"


def emit_op(op, newest):
    s = op.newest
    sig = signature(s)
    used = set()
    traits = []
    if sig.graphs:
        traits.append("RecursiveMemoryEffects")
    elif op.name not in NONDETERMINISTIC:
        traits.append("NoMemoryEffect")
    if (op.domain == "" and not op.contrib and (
            (newest and op.name in HAS_SHAPE_INFERENCE) or
            op.mlir_name in OLD_SIGNATURES_WITH_SHAPE_INFERENCE)) or (
            newest and op.mlir_name in OTHER_DOMAINS_WITH_SHAPE_INFERENCE):
        traits.append("DeclareOpInterfaceMethods<ShapeInferenceOpInterface>")
    lines = [f"def ONNX_{op.cpp_name}Op : ONNX_Op<\"{op.mlir_name}\", [{', '.join(traits)}]> {{"]
    versions = sorted({x.since_version for x in op.schemas})
    summary = f"ONNX {op.domain + '::' if op.domain else ''}{op.name}, versions {', '.join(map(str, versions))}"
    if s.deprecated:
        summary += " (deprecated)"
    lines.append(f"  let summary = \"{summary}\";")
    if op.contrib:
        summary = f"ONNX Runtime contrib op {op.domain + '::' if op.domain else ''}{op.name}"
        lines[-1:] = [f"  let summary = \"{summary}\";"]
        lines.append(f"  let description = [{{\n    Generated from the hand-written schema of ONNX "
                     f"Runtime's `{op.name}` (domain `{op.domain or 'ai.onnx'}`) in "
                     f"ir/onnx/contrib_schemas.py;\n    kiln-upgrade-onnx-ops expands it into "
                     f"default-domain ops.\n  }}];")
    else:
        lines.append(f"  let description = [{{\n    Generated from the ONNX schema of `{op.name}` "
                     f"(domain `{op.domain or 'ai.onnx'}`, since version {s.since_version}).\n  }}];")
    args = []
    for p in s.inputs:
        name, opt = formal(p)
        t = type_constraint(op, p.type_str)
        if opt == "optional":
            t = f"AnyTypeOf<[{t}, NoneType]>" if not t.startswith("AnyTypeOf<[") else t[:-2] + ", NoneType]>"
        elif opt == "variadic":
            t = f"Variadic<{t}>"
        args.append(f"{t}:${ods_name(name, used)}")
    for name, t, required, default in sig.attrs:
        base = ATTR[t][0]
        if required:
            a = base
        elif default is not None:
            a = f"DefaultValuedOptionalAttr<{base}, \"{default}\">"
        else:
            a = f"OptionalAttr<{base}>"
        args.append(f"{a}:${ods_name(name, used)}")
    lines.append("  let arguments = (ins" + ("\n    " + ",\n    ".join(args) if args else "") + ");")
    res = []
    for p in s.outputs:
        name, opt = formal(p)
        t = type_constraint(op, p.type_str)
        if opt == "optional":
            t = f"AnyTypeOf<[{t}, NoneType]>" if not t.startswith("AnyTypeOf<[") else t[:-2] + ", NoneType]>"
        elif opt == "variadic":
            t = f"Variadic<{t}>"
        res.append(f"{t}:${ods_name(name, used)}")
    lines.append("  let results = (outs" + ("\n    " + ",\n    ".join(res) if res else "") + ");")
    if sig.graphs:
        regions = ", ".join(
            f"{'MaxSizedRegion<1>' if g in sig.optional_graphs else 'SizedRegion<1>'}:${ods_name(g, used)}"
            for g in sig.graphs)
        lines.append(f"  let regions = (region {regions});")
    if newest and op.domain == "" and not op.contrib and op.name in HAS_VERIFIER:
        lines.append("  let hasVerifier = 1;")
    lines.append("}")
    return "\n".join(lines)


def generated_header(what):
    return ["// GENERATED by ir/onnx/gen_onnx_ops.py from the ONNX schema registry of",
            f"// onnx {onnx.__version__} (opset {defs.onnx_opset_version()}). Do not edit; rerun the generator.",
            f"// {what}."]


def emit_category_td(part, ops, category):
    guard = "KILN_ONNX_OPS_" + part.upper().replace("-", "_") + "_TD"
    what = f"The ops of category {category}"
    if part != category:
        what += f" whose names start with {part[len(category):]}"
    out = generated_header(what) + [
        "", f"#ifndef {guard}", f"#define {guard}", "", "include \"ir/onnx/OnnxBase.td\"", ""]
    for op, newest in ops:
        out.append(emit_op(op, newest))
        out.append("")
    out.append(f"#endif // {guard}")
    return "\n".join(out) + "\n"


def split_category(category, ops):
    """[(part name, ops)]: the category whole if its .td stays under LINE_LIMIT lines, else
    split between first letters of the op names into the fewest parts that stay under it,
    as even as possible (CategoryA-L, CategoryM-Z, ...)."""
    def lines(chunk):
        return len(emit_category_td(category, chunk, category).splitlines())
    if lines(ops) < LINE_LIMIT:
        return [(category, ops)]
    letters = sorted({op.name[0].upper() for op, _ in ops})
    by_letter = [[(op, n) for op, n in ops if op.name[0].upper() == c] for c in letters]
    for count in range(2, len(letters) + 1):
        best = None
        for cuts in itertools.combinations(range(1, len(letters)), count - 1):
            bounds = (0,) + cuts + (len(letters),)
            chunks = [sum(by_letter[lo:hi], []) for lo, hi in zip(bounds, bounds[1:])]
            size = max(lines(chunk) for chunk in chunks)
            if size < LINE_LIMIT and (best is None or size < best[0]):
                best = (size, bounds, chunks)
        if best:
            _, bounds, chunks = best
            return [(f"{category}{letters[lo]}-{letters[hi - 1]}" if hi - lo > 1
                     else f"{category}{letters[lo]}", chunk)
                    for (lo, hi), chunk in zip(zip(bounds, bounds[1:]), chunks)]
    raise SystemExit(f"the ops of {category} starting with one letter reach {LINE_LIMIT} lines")


def categories(ops):
    """{category: ops} in the order of `ops` (sorted by domain and name)."""
    result = {}
    for op, newest in ops:
        result.setdefault(op.category, []).append((op, newest))
    return dict(sorted(result.items()))


def emit_td(ops):
    """{file name: text}: one .td per category (or category part) and OnnxOps.td."""
    files = {}
    includes = []
    for category, cat_ops in categories(ops).items():
        for part, chunk in split_category(category, cat_ops):
            files[f"OnnxOps{part}.td"] = emit_category_td(part, chunk, category)
            includes.append(f"include \"ir/onnx/OnnxOps{part}.td\"")
    out = generated_header("The op surface: one file per ONNX operator category") + [
        "", "#ifndef KILN_ONNX_OPS_TD", "#define KILN_ONNX_OPS_TD", "",
        "include \"ir/onnx/OnnxBase.td\"", ""] + includes + ["", "#endif // KILN_ONNX_OPS_TD"]
    files["OnnxOps.td"] = "\n".join(out) + "\n"
    return files


# Version changes that kept a compatible signature but changed what the op computes, so an
# old op must not be upgraded to the newest one by signature alone.
SEMANTIC_CHANGES = {
    "Softmax", "LogSoftmax", "Hardmax",  # opset 13: one axis instead of a coerced 2-D input
    "Upsample", "Resize",                # coordinate transformation modes changed
    "Scatter", "Pad", "Clip",            # float attributes became typed inputs
    "BatchNormalization",                # training outputs changed meaning (opset 14)
    "GridSample",                        # opset 20 renamed the modes (bilinear -> linear)
    "RoiAlign",                          # opset 16: new default coordinate_transformation_mode
    # Legacy broadcasting (`broadcast`, `axis`) up to opset 6: passes/Upgrade handles these.
    "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less",
}

# Attributes of older signatures that never change what an op computes at inference, so an
# upgrade may drop them: `consumed_inputs` (an in-place hint of opsets 1-5), Dropout's
# `is_test` and `ratio` (Dropout is the identity at inference), Gemm's `broadcast` (C always
# broadcasts since opset 7).
DROPPABLE_ATTRS = {"*": {"consumed_inputs"}, "Dropout": {"is_test", "ratio"}, "Gemm": {"broadcast"}}


def accepts_int64(schema, index):
    """Whether input `index` of `schema` accepts an int64 tensor."""
    formal_input = schema.inputs[index]
    if formal_input.type_str == "tensor(int64)":
        return True
    return any(c.type_param_str == formal_input.type_str and "tensor(int64)" in c.allowed_type_strs
               for c in schema.type_constraints)


def upgrade_rule(old, new):
    """How to rewrite `old` (an older signature) as the newest op `new` without changing
    what it computes, or None if that is not guaranteed by construction. The old inputs
    and outputs must be a prefix of the new ones (the rest optional, except inputs that
    replace old INTS attributes); every old attribute must exist in the new op with the
    same type, or have become an int64 input of the same name.
    Returns entries for the pass: `name:TYPE:value` sets an old default that differs from
    the new one; `name:INPUT:index` moves the INTS attribute `name` to input `index`."""
    if old.name in SEMANTIC_CHANGES or old.domain != "":
        return None
    so, sn = signature(old.newest), signature(new.newest)
    if so.graphs != sn.graphs:
        return None
    new_attrs = {a[0]: a for a in sn.attrs}
    new_input_index = {name: i for i, (name, _) in enumerate(sn.inputs)}
    droppable = DROPPABLE_ATTRS["*"] | DROPPABLE_ATTRS.get(old.name, set())
    old_attrs = [a for a in so.attrs if a[0] not in droppable or a[0] in new_attrs]
    moved = {}
    for name, t, required, default in old_attrs:
        if name not in new_attrs and t == "INTS" and name in new_input_index:
            index = new_input_index[name]
            if index < len(so.inputs) or not accepts_int64(new.newest, index):
                return None
            if default is not None:
                return None
            moved[name] = index
    for mine, theirs, is_input in ((so.inputs, sn.inputs, True), (so.outputs, sn.outputs, False)):
        if len(mine) > len(theirs):
            return None
        for (old_name, old_kind), (new_name, new_kind) in zip(mine, theirs):
            # A required input or output that became optional keeps its meaning.
            if old_name != new_name or (old_kind != new_kind and
                                        (old_kind, new_kind) != ("single", "optional")):
                return None
        for i, (name, opt) in enumerate(theirs[len(mine):], start=len(mine)):
            if opt != "optional" and not (is_input and name in moved):
                return None
    explicit = [f"{name}:INPUT:{index}" for name, index in sorted(moved.items())]
    explicit += [f"{name}:DROP:" for name, *_ in so.attrs if name in droppable and name not in new_attrs]
    for name, t, required, default in old_attrs:
        if name in moved:
            continue
        if name not in new_attrs or new_attrs[name][1] != t:
            return None
        if required and not new_attrs[name][2]:
            continue
        if not required and new_attrs[name][2]:
            return None  # optional before, required now: no default to supply
        if default is not None and default != new_attrs[name][3]:
            explicit.append(f"{name}:{t}:{default.replace(chr(92) + chr(34), '')}")
    return explicit


def emit_version_rows(ops, newest):
    """The KILN_ONNX_OP_VERSION, _SIG and _UPGRADE rows of `ops`."""
    out = []
    for op, _ in ops:
        for s in op.schemas:
            out.append(f"KILN_ONNX_OP_VERSION(\"{op.domain}\", \"{op.name}\", {s.since_version}, "
                       f"\"onnx.{op.mlir_name}\")")
    out.append("")
    for op, _ in ops:
        s = op.newest
        sig = signature(s)
        nin, nout = len(s.inputs), len(s.outputs)
        invar = "true" if nin and formal(s.inputs[-1])[1] == "variadic" else "false"
        outvar = "true" if nout and formal(s.outputs[-1])[1] == "variadic" else "false"
        rules = ",".join(output_rule(op, o) for o in s.outputs)
        out.append(f"KILN_ONNX_OP_SIG(\"onnx.{op.mlir_name}\", {nin}, {invar}, {nout}, {outvar}, "
                   f"\"{rules}\", \"{','.join(sig.graphs)}\")")
    upgrades = []
    for op, is_newest in ops:
        if is_newest:
            continue
        rule = upgrade_rule(op, newest[(op.domain, op.name)])
        if rule is not None:
            upgrades.append(f"KILN_ONNX_OP_UPGRADE(\"onnx.{op.mlir_name}\", "
                            f"\"onnx.{newest[(op.domain, op.name)].mlir_name}\", \"{';'.join(rule)}\")")
    if upgrades:
        out += [""] + upgrades
    if any(op.contrib for op, _ in ops):
        out += [""] + [f"KILN_ONNX_OP_VERSION(\"{domain}\", \"{name}\", {since}, \"onnx.{target}\")"
                       for domain, name, since, target in contrib_schemas.ALIASES]
    return out


def emit_versions(ops):
    """{file name: text}: the version rows of each category and OnnxOpVersions.inc, which
    defines the row macros' defaults and includes them."""
    newest = {(op.domain, op.name): op for op, is_newest in ops if is_newest}
    files = {}
    includes = []
    for category, cat_ops in categories(ops).items():
        rows = emit_version_rows(cat_ops, newest)
        files[f"OnnxOpVersions{category}.inc"] = "\n".join(
            ["// GENERATED by ir/onnx/gen_onnx_ops.py. Do not edit; rerun the generator.",
             f"// The version rows of the ops of category {category}; included by OnnxOpVersions.inc.",
             ""] + rows) + "\n"
        includes.append(f"#include \"ir/onnx/OnnxOpVersions{category}.inc\"")
    out = [
        "// GENERATED by ir/onnx/gen_onnx_ops.py. Do not edit; rerun the generator.",
        "//",
        "// KILN_ONNX_OP_VERSION(domain, op_type, since_version, mlir_op_name): one row per schema",
        "//   version; a node resolves to the row with the largest since_version <= the model's opset.",
        "// KILN_ONNX_OP_SIG(mlir_op_name, num_inputs, last_input_variadic, num_outputs,",
        "//   last_output_variadic, output_type_rules, region_attr_names): the formal signature.",
        "// KILN_ONNX_OP_UPGRADE(old_mlir_op_name, newest_mlir_op_name, old_defaults): an older",
        "//   signature that the newest op computes identically; old_defaults lists",
        "//   `name:TYPE:value` entries (;-separated) for attributes whose default changed and",
        "//   `name:INPUT:index` for INTS attributes that became int64 inputs.",
        "// The rows of each ONNX operator category are in OnnxOpVersions<Category>.inc.",
        "",
        "#ifndef KILN_ONNX_OP_VERSION",
        "#define KILN_ONNX_OP_VERSION(DOMAIN, OP, SINCE, NAME)",
        "#endif",
        "#ifndef KILN_ONNX_OP_SIG",
        "#define KILN_ONNX_OP_SIG(NAME, NIN, INVAR, NOUT, OUTVAR, RULES, REGIONS)",
        "#endif",
        "#ifndef KILN_ONNX_OP_UPGRADE",
        "#define KILN_ONNX_OP_UPGRADE(OLD, NEW, OLD_DEFAULTS)",
        "#endif",
        "",
    ] + includes + ["", "#undef KILN_ONNX_OP_VERSION", "#undef KILN_ONNX_OP_SIG",
                    "#undef KILN_ONNX_OP_UPGRADE"]
    files["OnnxOpVersions.inc"] = "\n".join(out) + "\n"
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if generated files are stale")
    args = parser.parse_args()
    ops = collect()
    files = {os.path.join(HERE, name): text
             for name, text in {**emit_td(ops), **emit_versions(ops)}.items()}
    stale = []
    for path, text in files.items():
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            stale.append(path)
            if not args.check:
                with open(path, "w") as f:
                    f.write(text)
    # Files of a category (or category part) that is no longer generated.
    for path in glob.glob(os.path.join(HERE, "OnnxOps*.td")) + glob.glob(
            os.path.join(HERE, "OnnxOpVersions*.inc")):
        if path not in files:
            stale.append(path)
            if not args.check:
                os.remove(path)
    if args.check and stale:
        print("stale generated files (rerun ir/onnx/gen_onnx_ops.py):", *stale, sep="\n  ")
        return 1
    print(f"{len(ops)} ops ({sum(1 for _, n in ops if n)} newest signatures) from onnx "
          f"{onnx.__version__}" + (", regenerated " + ", ".join(map(os.path.basename, stale)) if stale else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
