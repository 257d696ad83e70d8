"""`mobilenetv2`: torchvision MobileNetV2 (width 1.0) at 224x224, as eval-mode
torch.onnx.export with constant folding writes it: Conv with folded BatchNorm + Clip(min, max)
for ReLU6 (opset 11+ form: min 0 and max 6 as Constant-node inputs), depthwise 3x3 convs
(group = channels), inverted residual blocks (t, c, n, s) = (1,16,1,1), (6,24,2,2),
(6,32,3,2), (6,64,4,2), (6,96,3,1), (6,160,3,2), (6,320,1,1) with Add when stride 1 and
in == out, final 1x1 conv to 1280, GlobalAveragePool, Flatten, Gemm 1280 -> 1000 (Dropout is
dropped in eval mode). Input `input` [batch, 3, 224, 224], output `output` [batch, 1000]."""

from graph_builder import GraphBuilder, check, image_inputs

CONFIG = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
          (6, 160, 3, 2), (6, 320, 1, 1)]


def conv_bn_relu6(g, x, cin, cout, k, stride=1, group=1):
    """torchvision Conv2dNormActivation(..., activation=ReLU6): features.i.{0: Conv, 2: Clip}."""
    g.push("0"); y = g.conv_bn(x, cin, cout, k, stride=stride, group=group); g.pop()
    g.push("2"); y = g.op("Clip", [y, g.const(0.0), g.const(6.0)]); g.pop()
    return y


def inverted_residual(g, x, cin, cout, stride, t):
    hidden = cin * t
    h, i = x, 0
    if t != 1:
        g.push("conv", f"conv.{i}"); h = conv_bn_relu6(g, h, cin, hidden, 1); g.pop(2); i += 1
    g.push("conv", f"conv.{i}")
    h = conv_bn_relu6(g, h, hidden, hidden, 3, stride=stride, group=hidden)
    g.pop(2); i += 1
    g.push("conv", f"conv.{i}"); h = g.conv_bn(h, hidden, cout, 1, bn_gain=(0.6, 1.0)); g.pop(2)
    if stride == 1 and cin == cout:
        h = g.op("Add", [x, h])
    return h


def build(small=False, image_size=224):
    g = GraphBuilder(seed=2)
    x = g.image_input(image_size)
    g.push("features", "features.0"); x = conv_bn_relu6(g, x, 3, 32, 3, stride=2); g.pop(2)
    cin, idx = 32, 1
    for t, c, n, s in CONFIG:
        for i in range(n):
            g.push("features", f"features.{idx}")
            x = inverted_residual(g, x, cin, c, s if i == 0 else 1, t)
            g.pop(2)
            cin, idx = c, idx + 1
    g.push("features", f"features.{idx}"); x = conv_bn_relu6(g, x, cin, 1280, 1); g.pop(2)
    x = g.global_pool(x)
    g.push("classifier", "classifier.1"); g.gemm(x, "classifier.1", 1280, 1000); g.pop(2)
    g.logits_output()
    return check(g.model(doc=f"mobilenetv2 {image_size}x{image_size}"))


def make_inputs(batch, rng, small=False, image_size=224):
    return image_inputs(batch, rng, image_size)
