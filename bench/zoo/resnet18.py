"""`resnet18`: torchvision ResNet-18 at 224x224, NCHW, exported without constant folding
(torch.onnx.export(do_constant_folding=False), the form TF converters and many training
scripts write): every Conv (no bias) is followed by its own BatchNormalization node with
running statistics, then Relu. Basic blocks [2, 2, 2, 2] of two 3x3 convs, projection
shortcuts (1x1 conv stride 2 + BatchNorm) where the width changes, Add + Relu,
GlobalAveragePool, Flatten, Gemm 512 -> 1000. Input `input` [batch, 3, 224, 224], output
`output` [batch, 1000].

Weights: He-initialised convs, random BN statistics; the second BN of every block gets a
small gain (0.1-0.3) so the residual stream grows slowly and the logits stay O(1..10)."""

from graph_builder import GraphBuilder, check, image_inputs

LAYERS = [2, 2, 2, 2]
WIDTHS = [64, 128, 256, 512]


def basic_block(g, x, prefix, cin, cout, stride):
    h = g.conv_then_bn(x, (prefix + ".conv1", prefix + ".bn1"), cin, cout, 3, stride=stride)
    g.push("relu"); h = g.op("Relu", [h]); g.pop()
    h = g.conv_then_bn(h, (prefix + ".conv2", prefix + ".bn2"), cout, cout, 3, bn_gain=(0.1, 0.3))
    if stride != 1 or cin != cout:
        g.push("downsample")
        x = g.conv_then_bn(x, (prefix + ".downsample.0", prefix + ".downsample.1"), cin, cout, 1,
                           stride=stride)
        g.pop()
    y = g.op("Add", [h, x])
    g.push("relu"); y = g.op("Relu", [y]); g.pop()
    return y


def build(small=False, image_size=224):
    g = GraphBuilder(seed=18)
    x = g.image_input(image_size)
    x = g.conv_then_bn(x, ("conv1", "bn1"), 3, 64, 7, stride=2)
    g.push("relu"); x = g.op("Relu", [x]); g.pop()
    g.push("maxpool")
    x = g.op("MaxPool", [x], ceil_mode=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    g.pop()
    cin = 64
    for li, (n, width) in enumerate(zip(LAYERS, WIDTHS)):
        for bi in range(n):
            stride = 2 if (bi == 0 and li > 0) else 1
            prefix = f"layer{li + 1}.{bi}"
            g.push(f"layer{li + 1}", prefix)
            x = basic_block(g, x, prefix, cin, width, stride)
            g.pop(2)
            cin = width
    x = g.global_pool(x, "avgpool")
    g.push("fc"); g.gemm(x, "fc", 512, 1000); g.pop()
    g.logits_output()
    return check(g.model(doc=f"resnet18 {image_size}x{image_size}"))


def make_inputs(batch, rng, small=False, image_size=224):
    return image_inputs(batch, rng, image_size)
