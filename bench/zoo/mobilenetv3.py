"""`mobilenetv3`: torchvision MobileNetV3-Small (width 1.0) at 224x224, as eval-mode
torch.onnx.export (opset 17, constant folding) writes it: Conv with folded BatchNorm,
HardSwish and Relu activations, depthwise 3x3 and 5x5 convs (stride 1 and 2),
squeeze-excite blocks (GlobalAveragePool -> 1x1 Conv -> Relu -> 1x1 Conv -> HardSigmoid ->
Mul with the block's activations), inverted residual blocks with Add where stride 1 and
in == out, a 1x1 conv to 576, GlobalAveragePool, Flatten, Gemm 576 -> 1024, HardSwish,
Gemm 1024 -> 1000 (Dropout dropped in eval mode). Input `input` [batch, 3, 224, 224],
output `output` [batch, 1000]."""
import numpy as np

from graph_builder import GraphBuilder, check, image_inputs

# torchvision mobilenet_v3_small: (kernel, expanded, out, squeeze-excite, activation, stride)
CONFIG = [(3, 16, 16, True, "RE", 2), (3, 72, 24, False, "RE", 2), (3, 88, 24, False, "RE", 1),
          (5, 96, 40, True, "HS", 2), (5, 240, 40, True, "HS", 1), (5, 240, 40, True, "HS", 1),
          (5, 120, 48, True, "HS", 1), (5, 144, 48, True, "HS", 1), (5, 288, 96, True, "HS", 2),
          (5, 576, 96, True, "HS", 1), (5, 576, 96, True, "HS", 1)]


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def activation(g, x, act):
    return g.op("Relu" if act == "RE" else "HardSwish", [x])


def conv_bn_act(g, x, cin, cout, k, stride=1, group=1, act="HS"):
    """Conv2dNormActivation: {0: Conv with the BN folded in, 2: activation} (None: no act).
    BN gains are larger before HardSwish (about x/2 near 0) so activations stay O(1)."""
    gain = (0.85, 1.25) if act == "HS" else (0.5, 1.0) if act == "RE" else (1.0, 1.5)
    g.push("0"); y = g.conv_bn(x, cin, cout, k, stride=stride, group=group, bn_gain=gain); g.pop()
    if act:
        g.push("2"); y = activation(g, y, act); g.pop()
    return y


def squeeze_excite(g, x, ch):
    squeeze = make_divisible(ch // 4)
    g.push("avgpool"); s = g.op("GlobalAveragePool", [x]); g.pop()
    prefix = ".".join(g.scope[1::2])  # state-dict path: features.N.block.M
    for name, cin, cout in (("fc1", ch, squeeze), ("fc2", squeeze, ch)):
        w = g.init(g.normal((cout, cin, 1, 1), np.sqrt(2.0 / cin)), f"{prefix}.{name}.weight")
        b = g.init(g.normal((cout,), 0.1), f"{prefix}.{name}.bias")
        g.push(name)
        s = g.op("Conv", [s, w, b], dilations=[1, 1], group=1, kernel_shape=[1, 1],
                 pads=[0, 0, 0, 0], strides=[1, 1])
        g.pop()
        if name == "fc1":
            g.push("activation"); s = g.op("Relu", [s]); g.pop()
    g.push("scale_activation"); s = g.op("HardSigmoid", [s], alpha=1.0 / 6, beta=0.5); g.pop()
    return g.op("Mul", [s, x])


def inverted_residual(g, x, cin, k, exp, cout, se, act, stride):
    h, i = x, 0
    if exp != cin:
        g.push("block", f"block.{i}"); h = conv_bn_act(g, h, cin, exp, 1, act=act); g.pop(2); i += 1
    g.push("block", f"block.{i}")
    h = conv_bn_act(g, h, exp, exp, k, stride=stride, group=exp, act=act)
    g.pop(2); i += 1
    if se:
        g.push("block", f"block.{i}"); h = squeeze_excite(g, h, exp); g.pop(2); i += 1
    g.push("block", f"block.{i}"); h = conv_bn_act(g, h, exp, cout, 1, act=None); g.pop(2)
    if stride == 1 and cin == cout:
        h = g.op("Add", [h, x])
    return h


def build(small=False, image_size=224):
    g = GraphBuilder(seed=3)
    x = g.image_input(image_size)
    g.push("features", "features.0"); x = conv_bn_act(g, x, 3, 16, 3, stride=2); g.pop(2)
    cin = 16
    for idx, (k, exp, cout, se, act, stride) in enumerate(CONFIG, start=1):
        g.push("features", f"features.{idx}")
        x = inverted_residual(g, x, cin, k, exp, cout, se, act, stride)
        g.pop(2)
        cin = cout
    g.push("features", f"features.{len(CONFIG) + 1}"); x = conv_bn_act(g, x, cin, 576, 1); g.pop(2)
    x = g.global_pool(x, "avgpool")
    g.push("classifier", "classifier.0"); x = g.gemm(x, "classifier.0", 576, 1024); g.pop(2)
    g.push("classifier", "classifier.1"); x = g.op("HardSwish", [x]); g.pop(2)
    g.push("classifier", "classifier.3"); g.gemm(x, "classifier.3", 1024, 1000); g.pop(2)
    g.logits_output()
    return check(g.model(doc=f"mobilenetv3 small {image_size}x{image_size}"))


def make_inputs(batch, rng, small=False, image_size=224):
    return image_inputs(batch, rng, image_size)
