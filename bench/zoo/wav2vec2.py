"""`wav2vec2`: the convolutional front of wav2vec 2.0 base (HuggingFace Wav2Vec2Model, as
torch.onnx.export opset 17 writes it), which turns a 16 kHz waveform into 49 frames per
second: Unsqueeze to [batch, 1, samples]; feature encoder of seven 1-D convs without bias,
512 channels, kernels (10, 3, 3, 3, 3, 2, 2) and strides (5, 2, 2, 2, 2, 2, 2), the first
followed by GroupNorm with one group per channel (exported as Reshape ->
InstanceNormalization -> Reshape -> Mul -> Add), each by GELU (Erf form); Transpose,
LayerNormalization, feature projection Linear 512 -> 768 (MatMul + Add); the positional
convolution (1-D, kernel 128, padding 64, 16 groups, bias; its weight norm folded), Slice
dropping the last frame, GELU, residual Add, LayerNormalization. The transformer layers
that follow are BERT's (see bert.py) and are left out. Input `input_values` [batch, 16000]
(one second), output `hidden` [batch, 49, 768]. --small: 64 channels, 96 hidden."""
import numpy as np
from onnx import TensorProto

from graph_builder import BATCH, GraphBuilder, check

KERNELS = [10, 3, 3, 3, 3, 2, 2]
STRIDES = [5, 2, 2, 2, 2, 2, 2]
SAMPLES = 16000
POS_KERNEL, POS_GROUPS = 128, 16


def frames(samples):
    for k, s in zip(KERNELS, STRIDES):
        samples = (samples - k) // s + 1
    return samples


def conv1d(g, x, name, cin, cout, k, stride=1, pad=0, group=1, bias=False):
    w = g.init(g.normal((cout, cin // group, k), np.sqrt(2.0 / (cin // group * k))), name + ".weight")
    inputs = [x, w] + ([g.init(g.normal((cout,), 0.02), name + ".bias")] if bias else [])
    g.push(name.split(".")[-1])
    y = g.op("Conv", inputs, dilations=[1], group=group, kernel_shape=[k], pads=[pad, pad],
             strides=[stride])
    g.pop()
    return y


def group_norm_per_channel(g, x, prefix, ch):
    """nn.GroupNorm(ch, ch) as exported: Reshape [0, ch, -1], InstanceNormalization with unit
    scale and zero bias, Reshape back to the input's shape, Mul weight, Add bias."""
    g.push("layer_norm")
    r = g.op("Reshape", [x, g.const([0, ch, -1], np.int64)])
    ones = g.init(np.ones((ch,), np.float32), op="InstanceNormalization")
    zeros = g.init(np.zeros((ch,), np.float32), op="InstanceNormalization")
    n = g.op("InstanceNormalization", [r, ones, zeros], epsilon=1e-5)
    n = g.op("Reshape", [n, g.op("Shape", [x])])
    w = g.init(g.uniform((ch, 1), 0.5, 1.5), op="Mul")
    b = g.init(g.normal((ch, 1), 0.1), op="Add")
    y = g.op("Add", [g.op("Mul", [n, w]), b])
    g.pop()
    return y


def layer_norm(g, x, prefix, dim):
    w = g.init(g.uniform((dim,), 0.8, 1.2), prefix + ".weight")
    b = g.init(g.normal((dim,), 0.05), prefix + ".bias")
    g.push(prefix.split(".")[-1])
    y = g.op("LayerNormalization", [x, w, b], axis=-1, epsilon=1e-5)
    g.pop()
    return y


def build(small=False):
    ch, hidden = (64, 96) if small else (512, 768)
    g = GraphBuilder(seed=20)
    x = g.input("input_values", TensorProto.FLOAT, [BATCH, SAMPLES])
    x = g.op("Unsqueeze", [x, g.const([1], np.int64)])
    cin = 1
    for i, (k, s) in enumerate(zip(KERNELS, STRIDES)):
        prefix = f"feature_extractor.conv_layers.{i}"
        g.push("feature_extractor", "conv_layers", f"conv_layers.{i}")
        x = conv1d(g, x, prefix + ".conv", cin, ch, k, stride=s)
        if i == 0:
            x = group_norm_per_channel(g, x, prefix + ".layer_norm", ch)
        g.push("activation"); x = g.gelu(x); g.pop()
        g.pop(3)
        cin = ch
    x = g.op("Transpose", [x], perm=[0, 2, 1])
    g.push("feature_projection")
    x = layer_norm(g, x, "feature_projection.layer_norm", ch)
    x = g.linear(x, "feature_projection.projection", ch, hidden)
    g.pop()
    g.push("encoder", "pos_conv_embed")
    p = g.op("Transpose", [x], perm=[0, 2, 1])
    p = conv1d(g, p, "encoder.pos_conv_embed.conv", hidden, hidden, POS_KERNEL, pad=POS_KERNEL // 2,
               group=POS_GROUPS, bias=True)
    g.push("padding")
    p = g.op("Slice", [p, g.const([0], np.int64), g.const([-1], np.int64), g.const([2], np.int64)])
    g.pop()
    g.push("activation"); p = g.gelu(p); g.pop()
    p = g.op("Transpose", [p], perm=[0, 2, 1])
    g.pop(2)
    g.push("encoder")
    x = g.op("Add", [x, p])
    x = layer_norm(g, x, "encoder.layer_norm", hidden)
    g.pop()
    g.rename_last_output("hidden")
    g.output("hidden", TensorProto.FLOAT, [BATCH, frames(SAMPLES), hidden])
    return check(g.model(doc="wav2vec2 base feature encoder + positional conv" + (" (small)" if small else "")))


def make_inputs(batch, rng, small=False):
    t = np.arange(SAMPLES, dtype=np.float32) / 16000.0
    tone = 0.3 * np.sin(2 * np.pi * 220.0 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3.0 * t))
    x = tone[None, :] + 0.05 * rng.standard_normal((batch, SAMPLES))
    return {"input_values": x.astype(np.float32)}
