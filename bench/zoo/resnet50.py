"""`resnet50`: torchvision ResNet-50 (v1.5: stride on the 3x3 conv) at 224x224, NCHW, as
eval-mode torch.onnx.export with constant folding writes it: every BatchNorm folded into its
Conv's weight and bias ("onnx::Conv_N" initializers), Relu, MaxPool 3x3/2 pad 1, bottleneck
blocks [3, 4, 6, 3] with projection shortcuts (downsample.0), Add + Relu, GlobalAveragePool,
Flatten, Gemm 2048 -> 1000. Input `input` [batch, 3, 224, 224], output `output` [batch, 1000].

Weights: He-initialised convs, random BN statistics; the last BN of every block gets a small
gain (0.1-0.3) so the residual stream grows slowly and the logits stay O(1..10)."""

from graph_builder import GraphBuilder, check, image_inputs

LAYERS = [3, 4, 6, 3]
WIDTHS = [64, 128, 256, 512]
EXPANSION = 4


def bottleneck(g, x, cin, width, stride, downsample):
    cout = width * EXPANSION
    g.push("conv1"); h = g.conv_bn(x, cin, width, 1); g.pop()
    g.push("relu"); h = g.op("Relu", [h]); g.pop()
    g.push("conv2"); h = g.conv_bn(h, width, width, 3, stride=stride); g.pop()
    g.push("relu"); h = g.op("Relu", [h]); g.pop()
    g.push("conv3"); h = g.conv_bn(h, width, cout, 1, bn_gain=(0.1, 0.3)); g.pop()
    if downsample:
        g.push("downsample", "downsample.0")
        x = g.conv_bn(x, cin, cout, 1, stride=stride)
        g.pop(2)
    y = g.op("Add", [h, x])
    g.push("relu"); y = g.op("Relu", [y]); g.pop()
    return y


def build(small=False, image_size=224):
    g = GraphBuilder(seed=50)
    x = g.image_input(image_size)
    g.push("conv1"); x = g.conv_bn(x, 3, 64, 7, stride=2); g.pop()
    g.push("relu"); x = g.op("Relu", [x]); g.pop()
    g.push("maxpool")
    x = g.op("MaxPool", [x], ceil_mode=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    g.pop()
    cin = 64
    for li, (n, width) in enumerate(zip(LAYERS, WIDTHS)):
        for bi in range(n):
            stride = 2 if (bi == 0 and li > 0) else 1
            g.push(f"layer{li + 1}", f"layer{li + 1}.{bi}")
            x = bottleneck(g, x, cin, width, stride, downsample=(bi == 0))
            g.pop(2)
            cin = width * EXPANSION
    x = g.global_pool(x, "avgpool")
    g.push("fc"); g.gemm(x, "fc", 2048, 1000); g.pop()
    g.logits_output()
    return check(g.model(doc=f"resnet50 {image_size}x{image_size}"))


def make_inputs(batch, rng, small=False, image_size=224):
    return image_inputs(batch, rng, image_size)
