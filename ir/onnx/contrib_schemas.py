"""Hand-written schemas of the ONNX Runtime contrib ops Kiln imports.

ONNX Runtime's tools (its quantizer, its transformer optimizer, its 4-bit weight quantizer)
write nodes of domain `com.microsoft` whose schemas live in ONNX Runtime
(onnxruntime/core/graph/contrib_ops/*.cc, docs/ContribOperators.md), not in the `onnx`
package the rest of the dialect is generated from. This module restates, by hand, the schemas
of the ones Kiln supports as `onnx.defs.OpSchema` objects, so that `gen_onnx_ops.py` emits
them like any other op: `onnx.ms.<Op>` in OnnxOpsContrib.td and their version rows in
OnnxOpVersionsContrib.inc, which the frontend resolves with no special case.

A contrib op has no lowering of its own: `kiln-upgrade-onnx-ops` expands each into the
default-domain ops that compute it (passes/Upgrade/UpgradeContrib*.cpp), so it reuses their
shape inference, lowering and fast kernels.

ONNX Runtime also registers a few ops in the default domain at opsets where ONNX has none:
LayerNormalization (ONNX added it at opset 17 with the same signature), whose ALIASES row
resolves it to `onnx.LayerNormalization` at every opset, and SimplifiedLayerNormalization
(RMS normalization), which gets an `onnx.ms.` op like the com.microsoft ones.
"""
from __future__ import annotations

from onnx import defs, helper

OS = defs.OpSchema
_ONE, _OPT = OS.FormalParameterOption.Single, OS.FormalParameterOption.Optional
MS = "com.microsoft"

FLOATS = ["tensor(float)", "tensor(float16)", "tensor(bfloat16)"]
FLOATS_D = FLOATS + ["tensor(double)"]
INT8 = ["tensor(uint8)", "tensor(int8)"]


def _param(spec):
    """`name:T` or `name?:T` (optional) -> FormalParameter."""
    name, type_str = spec.split(":", 1)
    option = _ONE
    if name.endswith("?"):
        name, option = name[:-1], _OPT
    return OS.FormalParameter(name, type_str, param_option=option)


def _attr(name, kind, default=None):
    """An attribute: with a default value, or optional without one (`default` None)."""
    if default is not None:
        return OS.Attribute(name, helper.make_attribute(name, default))
    return OS.Attribute(name, getattr(OS.AttrType, kind), required=False)


def _required(name, kind):
    return OS.Attribute(name, getattr(OS.AttrType, kind), required=True)


def _schema(name, inputs, outputs, types, attrs=(), domain=MS):
    return OS(name, domain, 1, inputs=[_param(i) for i in inputs],
              outputs=[_param(o) for o in outputs],
              type_constraints=[(t, allowed, "") for t, allowed in types.items()],
              attributes=list(attrs))


def schemas():
    """The contrib schemas, newest (and only) version of each: since version 1."""
    return [
        # Activations (transformer optimizer).
        _schema("Gelu", ["X:T"], ["Y:T"], {"T": FLOATS_D}),
        _schema("BiasGelu", ["A:T", "B:T"], ["C:T"], {"T": FLOATS_D}),
        _schema("FastGelu", ["X:T", "bias?:T"], ["Y:T"], {"T": FLOATS_D}),
        _schema("QuickGelu", ["X:T"], ["Y:T"], {"T": FLOATS_D},
                [_attr("alpha", "FLOAT", 1.702)]),
        # Contractions.
        _schema("FusedMatMul", ["A:T", "B:T"], ["Y:T"], {"T": FLOATS_D},
                [_attr("alpha", "FLOAT", 1.0), _attr("transA", "INT", 0),
                 _attr("transB", "INT", 0), _attr("transBatchA", "INT", 0),
                 _attr("transBatchB", "INT", 0)]),
        _schema("MatMulNBits",
                ["A:T1", "B:T2", "scales:T1", "zero_points?:T3", "g_idx?:T4", "bias?:T1"],
                ["Y:T1"],
                {"T1": FLOATS, "T2": ["tensor(uint8)"],
                 "T3": ["tensor(uint8)"] + FLOATS, "T4": ["tensor(int32)"]},
                [_required("K", "INT"), _required("N", "INT"), _attr("bits", "INT", 4),
                 _required("block_size", "INT"), _attr("accuracy_level", "INT", 0),
                 _attr("weight_prepacked", "INT", 0)]),
        # Normalizations.
        _schema("SkipLayerNormalization",
                ["input:T", "skip:T", "gamma:T", "beta?:T", "bias?:T"],
                ["output:T", "mean?:U", "inv_std_var?:U", "input_skip_bias_sum?:T"],
                {"T": FLOATS, "U": ["tensor(float)"]}, [_attr("epsilon", "FLOAT", 1e-12)]),
        _schema("SkipSimplifiedLayerNormalization",
                ["input:T", "skip:T", "gamma:T", "bias?:T"],
                ["output:T", "mean?:U", "inv_std_var?:U", "input_skip_bias_sum?:T"],
                {"T": FLOATS, "U": ["tensor(float)"]}, [_attr("epsilon", "FLOAT", 1e-12)]),
        _schema("SimplifiedLayerNormalization", ["X:T", "scale:V"], ["Y:V", "inv_std_var?:U"],
                {"T": FLOATS_D, "U": ["tensor(float)", "tensor(double)"], "V": FLOATS_D},
                [_attr("axis", "INT", -1), _attr("epsilon", "FLOAT", 1e-5),
                 _attr("stash_type", "INT", 1)], domain=""),
        # Multi-head self-attention with packed QKV weights.
        _schema("Attention",
                ["input:T", "weights:T", "bias?:T", "mask_index?:M", "past?:T",
                 "attention_bias?:T", "past_sequence_length?:M"],
                ["output:T", "present?:T"], {"T": FLOATS, "M": ["tensor(int32)"]},
                [_required("num_heads", "INT"), _attr("unidirectional", "INT", 0),
                 _attr("qkv_hidden_sizes", "INTS"), _attr("mask_filter_value", "FLOAT"),
                 _attr("scale", "FLOAT"), _attr("do_rotary", "INT"),
                 _attr("rotary_embedding_dim", "INT"),
                 _attr("past_present_share_buffer", "INT")]),
        # Quantization (ONNX Runtime's quantizer).
        _schema("DequantizeLinear", ["x:T1", "x_scale:T2", "x_zero_point?:T1"], ["y:T2"],
                {"T1": INT8 + ["tensor(int16)", "tensor(uint16)", "tensor(int32)",
                               "tensor(int4)", "tensor(uint4)"],
                 "T2": ["tensor(float)", "tensor(float16)"]},
                [_attr("axis", "INT")]),
        _schema("QuantizeLinear", ["x:T1", "y_scale:T1", "y_zero_point?:T2"], ["y:T2"],
                {"T1": ["tensor(float)", "tensor(float16)"],
                 "T2": INT8 + ["tensor(int16)", "tensor(uint16)", "tensor(int4)",
                               "tensor(uint4)"]},
                [_attr("axis", "INT")]),
        _schema("QGemm",
                ["A:TA", "a_scale:T", "a_zero_point:TA", "B:TB", "b_scale:T",
                 "b_zero_point:TB", "C?:TC", "y_scale?:T", "y_zero_point?:TYZ"],
                ["Y:TY"],
                {"T": ["tensor(float)"], "TA": INT8, "TB": INT8, "TC": ["tensor(int32)"],
                 "TYZ": INT8, "TY": ["tensor(float)"] + INT8},
                [_attr("alpha", "FLOAT", 1.0), _attr("transA", "INT", 0),
                 _attr("transB", "INT", 0)]),
        _schema("QLinearAdd",
                ["A:T", "A_scale:tensor(float)", "A_zero_point?:T", "B:T",
                 "B_scale:tensor(float)", "B_zero_point?:T", "C_scale:tensor(float)",
                 "C_zero_point?:T"], ["C:T"], {"T": INT8}),
        _schema("QLinearMul",
                ["A:T", "A_scale:tensor(float)", "A_zero_point?:T", "B:T",
                 "B_scale:tensor(float)", "B_zero_point?:T", "C_scale:tensor(float)",
                 "C_zero_point?:T"], ["C:T"], {"T": INT8}),
        _schema("QLinearConv",
                ["x:T1", "x_scale:tensor(float)", "x_zero_point:T1", "w:T2",
                 "w_scale:tensor(float)", "w_zero_point:T2", "y_scale:tensor(float)",
                 "y_zero_point:T3", "B?:T4"], ["y:T3"],
                {"T1": INT8, "T2": INT8, "T3": INT8, "T4": ["tensor(int32)"]},
                [_attr("auto_pad", "STRING", "NOTSET"), _attr("channels_last", "INT", 0),
                 _attr("dilations", "INTS"), _attr("group", "INT", 1),
                 _attr("kernel_shape", "INTS"), _attr("pads", "INTS"),
                 _attr("strides", "INTS")]),
        _schema("DynamicQuantizeLSTM",
                ["X:T", "W:T2", "R:T2", "B?:T", "sequence_lens?:T1", "initial_h?:T",
                 "initial_c?:T", "P?:T", "W_scale:T", "W_zero_point:T2", "R_scale:T",
                 "R_zero_point:T2"],
                ["Y?:T", "Y_h?:T", "Y_c?:T"],
                {"T": ["tensor(float)"], "T1": ["tensor(int32)"], "T2": INT8},
                [_attr("activation_alpha", "FLOATS"), _attr("activation_beta", "FLOATS"),
                 _attr("activations", "STRINGS"), _attr("clip", "FLOAT"),
                 _attr("direction", "STRING", "forward"), _attr("hidden_size", "INT"),
                 _attr("input_forget", "INT", 0)]),
    ]


# Output element-type rules for the importer where the generic one (the type of an input with
# the same type parameter) cannot tell: `inN|type` takes input N's element type, or `type`
# when input N is absent.
OUTPUT_RULES = {
    "QGemm": ["in8|f32"],
    "QuantizeLinear": ["in2|ui8"],
    "SimplifiedLayerNormalization": ["in1", "f32"],
}

# Default-domain ops ONNX Runtime registers before ONNX defined them, with ONNX's signature:
# (domain, op, since_version, the onnx dialect op it resolves to).
ALIASES = [("", "LayerNormalization", 1, "LayerNormalization")]
