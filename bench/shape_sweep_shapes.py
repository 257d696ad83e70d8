"""The layers bench/shape_sweep.py times: convolution and matmul shapes of well-known
networks, each one ONNX node (f32) with its weights as initializers.

Every entry is a dict made by conv(), conv_t(), matmul() or gemm():
  net, layer   where the shape comes from (layer names follow the paper or the usual export)
  op           Conv | ConvTranspose | MatMul | Gemm
  family       conv2d, depthwise, conv1d, conv3d, transposed or matmul
  quick        True for the handful of small shapes that --quick runs
Conv / ConvTranspose (with bias): n, cin, cout, spatial (input H,W / L / D,H,W), kernel,
  strides, pads (begin = end, per spatial dim), dilations, group.
MatMul (weight a constant [K, N]): lead (leading dims of A), m, k, n.
Gemm (bias C, transB): m, k, n, trans_b.

Sizes are those of the published models at their usual input (224x224 for ImageNet CNNs,
640x640 for YOLOv8, 16 kHz audio, sequence 128 for BERT and GPT-2); batch 1 unless the layer
name ends in "b8".
"""


def _tuple(v, rank):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * rank


def conv(net, layer, cin, cout, spatial, kernel, stride=1, pad=None, dilation=1, group=1,
         n=1, quick=False):
    """Conv (with bias). pad=None: (k - 1) * d // 2 per dim (the usual 'same' padding for odd k)."""
    spatial = tuple(spatial)
    rank = len(spatial)
    k, s, d = _tuple(kernel, rank), _tuple(stride, rank), _tuple(dilation, rank)
    p = tuple((ki - 1) * di // 2 for ki, di in zip(k, d)) if pad is None else _tuple(pad, rank)
    if group > 1 and group == cin == cout:
        family = "depthwise"
    else:
        family = {1: "conv1d", 2: "conv2d", 3: "conv3d"}[rank]
    return dict(net=net, layer=layer, op="Conv", family=family, n=n, cin=cin, cout=cout,
                spatial=spatial, kernel=k, strides=s, pads=p, dilations=d, group=group,
                quick=quick)


def conv_t(net, layer, cin, cout, spatial, kernel, stride, n=1, quick=False):
    """ConvTranspose (with bias), no padding: output = stride * (input - 1) + kernel."""
    spatial = tuple(spatial)
    rank = len(spatial)
    return dict(net=net, layer=layer, op="ConvTranspose", family="transposed", n=n, cin=cin,
                cout=cout, spatial=spatial, kernel=_tuple(kernel, rank),
                strides=_tuple(stride, rank), pads=(0,) * rank, dilations=(1,) * rank, group=1,
                quick=quick)


def matmul(net, layer, m, k, n, lead=(), quick=False):
    """Y[*lead, M, N] = MatMul(A[*lead, M, K], W[K, N]), W an initializer."""
    return dict(net=net, layer=layer, op="MatMul", family="matmul", lead=tuple(lead), m=m, k=k,
                n=n, quick=quick)


def gemm(net, layer, m, k, n, trans_b=True, quick=False):
    """Y[M, N] = Gemm(A[M, K], B, C[N]); B is [N, K] with transB=1 (a Linear layer's or an
    RNN's weight as exported), else [K, N]."""
    return dict(net=net, layer=layer, op="Gemm", family="matmul", lead=(), m=m, k=k, n=n,
                trans_b=trans_b, quick=quick)


SHAPES = [
    # ResNet-18 / ResNet-50 (He et al. 2015), 224x224.
    conv("ResNet-50", "stem 7x7 s2 3->64 @224", 3, 64, (224, 224), 7, stride=2),
    conv("ResNet-18", "layer1 3x3 64->64 @56", 64, 64, (56, 56), 3, quick=True),
    conv("ResNet-18", "layer2 3x3 128->128 @28", 128, 128, (28, 28), 3),
    conv("ResNet-50", "layer2 3x3 128->128 @28 b8", 128, 128, (28, 28), 3, n=8),
    conv("ResNet-50", "layer3 3x3 256->256 @14", 256, 256, (14, 14), 3),
    conv("ResNet-50", "layer4 3x3 512->512 @7", 512, 512, (7, 7), 3),
    conv("ResNet-50", "layer1 1x1 64->256 @56", 64, 256, (56, 56), 1),
    conv("ResNet-50", "layer3 downsample 1x1 s2 512->1024 @28", 512, 1024, (28, 28), 1,
         stride=2),
    gemm("ResNet-50", "fc 2048->1000", 1, 2048, 1000),
    # MobileNetV2 (Sandler et al. 2018), 224x224.
    conv("MobileNetV2", "expand 1x1 24->144 @56", 24, 144, (56, 56), 1),
    conv("MobileNetV2", "dw 3x3 144 @56", 144, 144, (56, 56), 3, group=144, quick=True),
    conv("MobileNetV2", "dw 3x3 144 @56 b8", 144, 144, (56, 56), 3, group=144, n=8),
    conv("MobileNetV2", "dw 3x3 s2 144 @56", 144, 144, (56, 56), 3, stride=2, group=144),
    conv("MobileNetV2", "project 1x1 960->160 @7", 960, 160, (7, 7), 1),
    # MobileNetV3-Large (Howard et al. 2019): 5x5 depthwise, squeeze-excitation FCs as 1x1 convs.
    conv("MobileNetV3-L", "dw 5x5 s2 72 @56", 72, 72, (56, 56), 5, stride=2, group=72),
    conv("MobileNetV3-L", "dw 5x5 960 @7", 960, 960, (7, 7), 5, group=960),
    conv("MobileNetV3-L", "SE fc1 1x1 480->120 @1", 480, 120, (1, 1), 1),
    # EfficientNet-B0 (Tan & Le 2019).
    conv("EfficientNet-B0", "stem 3x3 s2 3->32 @224", 3, 32, (224, 224), 3, stride=2),
    conv("EfficientNet-B0", "MBConv1 dw 3x3 32 @112", 32, 32, (112, 112), 3, group=32),
    conv("EfficientNet-B0", "MBConv6 dw 5x5 s2 144 @56", 144, 144, (56, 56), 5, stride=2,
         group=144),
    conv("EfficientNet-B0", "SE reduce 1x1 1152->48 @1", 1152, 48, (1, 1), 1),
    # VGG-16 (Simonyan & Zisserman 2014).
    conv("VGG-16", "conv1_2 3x3 64->64 @224", 64, 64, (224, 224), 3),
    conv("VGG-16", "conv3_2 3x3 256->256 @56", 256, 256, (56, 56), 3),
    conv("VGG-16", "conv4_2 3x3 512->512 @28", 512, 512, (28, 28), 3),
    # DenseNet-121 (Huang et al. 2017): bottleneck 1x1 to 4*32, growth 3x3 to 32.
    conv("DenseNet-121", "block2 bottleneck 1x1 480->128 @28", 480, 128, (28, 28), 1),
    conv("DenseNet-121", "block2 growth 3x3 128->32 @28", 128, 32, (28, 28), 3),
    # SqueezeNet 1.1 (Iandola et al. 2016).
    conv("SqueezeNet-1.1", "fire2 expand3x3 16->64 @55", 16, 64, (55, 55), 3),
    conv("SqueezeNet-1.1", "fire4 squeeze 1x1 128->32 @27", 128, 32, (27, 27), 1),
    # YOLOv8n (Ultralytics), 640x640.
    conv("YOLOv8n", "stem 3x3 s2 3->16 @640", 3, 16, (640, 640), 3, stride=2),
    conv("YOLOv8n", "C2f bottleneck 3x3 32->32 @80", 32, 32, (80, 80), 3),
    conv("YOLOv8n", "SPPF cv2 1x1 512->256 @20", 512, 256, (20, 20), 1),
    # U-Net (Ronneberger et al. 2015) and PP-OCR's DB text detector: ConvTranspose 2x2 s2.
    conv_t("U-Net", "up ConvT 2x2 s2 256->128 @64", 256, 128, (64, 64), 2, 2),
    conv_t("PP-OCR det", "DB head ConvT 2x2 s2 24->24 @160", 24, 24, (160, 160), 2, 2,
           quick=True),
    conv_t("PP-OCR det", "DB head ConvT 2x2 s2 24->1 @320", 24, 1, (320, 320), 2, 2),
    # Inception-v3 (Szegedy et al. 2016): factorized 7x7.
    conv("Inception-v3", "Mixed_6b 1x7 160->160 @17", 160, 160, (17, 17), (1, 7)),
    conv("Inception-v3", "Mixed_6b 7x1 160->192 @17", 160, 192, (17, 17), (7, 1)),
    # Audio front ends: wav2vec 2.0's feature encoder on 1 s of 16 kHz audio, Whisper-tiny's
    # convolution stem on 30 s of 80 log-mel bins.
    conv("wav2vec2", "feature conv0 k10 s5 1->512 @16000", 1, 512, (16000,), 10, stride=5,
         pad=0, quick=True),
    conv("wav2vec2", "feature conv1 k3 s2 512->512 @3199", 512, 512, (3199,), 3, stride=2,
         pad=0),
    conv("Whisper-tiny", "conv1 k3 80->384 @3000", 80, 384, (3000,), 3),
    conv("Whisper-tiny", "conv2 k3 s2 384->384 @3000", 384, 384, (3000,), 3, stride=2),
    # A temporal convolutional network (Bai et al. 2018): dilated 1-D convolutions.
    conv("TCN", "k3 d4 64->64 @1024", 64, 64, (1024,), 3, dilation=4, quick=True),
    conv("TCN", "k3 d16 128->128 @1024", 128, 128, (1024,), 3, dilation=16),
    # Video: C3D (Tran et al. 2015) and R(2+1)D-18 (Tran et al. 2018) at 8 frames.
    conv("C3D", "conv3 3x3x3 64->64 @8x28x28", 64, 64, (8, 28, 28), 3, quick=True),
    conv("R(2+1)D-18", "spatial 1x3x3 64->144 @8x56x56", 64, 144, (8, 56, 56), (1, 3, 3)),
    conv("R(2+1)D-18", "temporal 3x1x1 144->64 @8x56x56", 144, 64, (8, 56, 56), (3, 1, 1)),
    # BERT-base at sequence 128.
    matmul("BERT-base", "Q/K/V 128x768x768", 128, 768, 768, lead=(1,)),
    matmul("BERT-base", "FFN up 128x768x3072", 128, 768, 3072, lead=(1,)),
    matmul("BERT-base", "FFN down 128x3072x768", 128, 3072, 768, lead=(1,)),
    matmul("BERT-base", "FFN up 128x768x3072 b8", 128, 768, 3072, lead=(8,)),
    # GPT-2 small: prompt (sequence 128) and one decoding step (sequence 1).
    gemm("GPT-2", "c_attn seq128 128x768x2304", 128, 768, 2304, trans_b=False, quick=True),
    gemm("GPT-2", "c_attn seq1 1x768x2304", 1, 768, 2304, trans_b=False),
    gemm("GPT-2", "mlp c_fc seq1 1x768x3072", 1, 768, 3072, trans_b=False),
    matmul("GPT-2", "lm head seq1 1x768x50257", 1, 768, 50257, lead=(1,)),
    matmul("GPT-2", "lm head seq128 128x768x50257", 128, 768, 50257, lead=(1,)),
    # Whisper-tiny encoder at 1500 frames.
    matmul("Whisper-tiny", "encoder Q/K/V 1500x384x384", 1500, 384, 384, lead=(1,)),
    matmul("Whisper-tiny", "encoder FFN up 1500x384x1536", 1500, 384, 1536, lead=(1,)),
    # Recurrent nets at batch 1 (an OCR BiLSTM, hidden 256; a GRU, hidden 512): the input
    # projection over 40 steps at once and the recurrent step, as ONNX LSTM/GRU weights.
    gemm("LSTM", "input projection 40x512x1024", 40, 512, 1024),
    gemm("LSTM", "recurrent step 1x256x1024", 1, 256, 1024, quick=True),
    gemm("LSTM", "recurrent step 8x256x1024 b8", 8, 256, 1024),
    gemm("GRU", "recurrent step 1x512x1536", 1, 512, 1536),
    # ViT-B/16 (Dosovitskiy et al. 2020) and MLP-Mixer-B/16 (Tolstikhin et al. 2021).
    conv("ViT-B/16", "patch embed 16x16 s16 3->768 @224", 3, 768, (224, 224), 16, stride=16,
         pad=0),
    matmul("ViT-B/16", "MLP up 197x768x3072", 197, 768, 3072, lead=(1,)),
    matmul("MLP-Mixer-B/16", "token mixing 768x196x384", 768, 196, 384, lead=(1,)),
]
