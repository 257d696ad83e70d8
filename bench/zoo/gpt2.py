"""`gpt2`: GPT-2-small style decoder (HF GPT2LMHeadModel, no past) at sequence 128, as
torch.onnx.export (TorchScript, opset 17, eval, constant folding) writes it with LayerNorm and
GELU decomposed:

  Gather(wte, input_ids) + Gather(wpe, constant position ids);
  per block (pre-LN): LayerNorm; fused QKV MatMul 768 -> 2304 + Add(bias); Split [768]*3 on
    axis 2; Reshape to [batch, seq, 12, 64] (Shape->Gather->Unsqueeze->Concat shapes);
    Transpose (0,2,1,3) (K: (0,2,3,1)); MatMul; Div sqrt(64); causal mask Where(tril bool
    [1,1,128,128], scores, float32 min); Softmax(-1); MatMul; Transpose; Reshape [batch,
    seq, 768]; c_proj MatMul + Add; residual Add; LayerNorm; c_fc MatMul + Add 768 -> 3072;
    GELU tanh form (Mul 0.5 x, Pow 3, Mul 0.044715, Add, Mul sqrt(2/pi), Tanh, Add 1, Mul);
    c_proj MatMul + Add; residual Add;
  final LayerNorm; LM head MatMul with the tied, transposed word embedding [768, vocab].

Input `input_ids` int64 [batch, 128]; output `logits` [batch, 128, vocab]. Full: 12 layers,
vocab 50257. --small: 2 layers, vocab 1000."""
import numpy as np
from onnx import TensorProto

from graph_builder import BATCH, GraphBuilder, check

SEQ, HIDDEN, HEADS, N_POS, EPS = 128, 768, 12, 1024, 1e-5
HEAD_DIM = HIDDEN // HEADS


def config(small):
    return {"layers": 2, "vocab": 1000} if small else {"layers": 12, "vocab": 50257}


def heads(g, x, ref, perm):
    h = g.reshape_dynamic(x, ref, ref, [HEADS, HEAD_DIM])
    return g.op("Transpose", [h], perm=perm)


def attention(g, x, causal, p):
    g.push("attn")
    g.push("c_attn")
    w = g.init(g.normal((HIDDEN, 3 * HIDDEN), np.sqrt(1.0 / HIDDEN)), op="MatMul")
    b = g.init(g.normal((3 * HIDDEN,), 0.02), p + ".attn.c_attn.bias")
    qkv = g.op("Add", [b, g.op("MatMul", [x, w])])
    g.pop()
    q, k, v = g.op("Split", [qkv, g.const([HIDDEN] * 3, np.int64)], n_out=3, axis=2)
    q = heads(g, q, x, [0, 2, 1, 3])
    k = heads(g, k, x, [0, 2, 3, 1])
    v = heads(g, v, x, [0, 2, 1, 3])
    s = g.op("MatMul", [q, k])
    s = g.op("Div", [s, g.const(float(np.sqrt(HEAD_DIM)))])
    s = g.op("Where", [causal, s, g.const(float(np.finfo(np.float32).min))])
    pr = g.op("Softmax", [s], axis=-1)
    c = g.op("MatMul", [pr, v])
    c = g.op("Transpose", [c], perm=[0, 2, 1, 3])
    shape = g.op("Concat", [g.dim(c, 0), g.dim(c, 1), g.const([HIDDEN], np.int64)], axis=0)
    c = g.op("Reshape", [c, shape])
    o = g.linear(c, p + ".attn.c_proj", HIDDEN, HIDDEN)
    g.pop()
    return o


def gelu_tanh(g, x):
    half = g.op("Mul", [g.const(0.5), x])
    cube = g.op("Pow", [x, g.const(3.0)])
    inner = g.op("Add", [x, g.op("Mul", [g.const(0.044715), cube])])
    t = g.op("Tanh", [g.op("Mul", [g.const(float(np.sqrt(2.0 / np.pi))), inner])])
    return g.op("Mul", [half, g.op("Add", [g.const(1.0), t])])


def block(g, x, causal, i):
    p = f"transformer.h.{i}"
    g.push("transformer", f"h.{i}")
    a = attention(g, g.layer_norm(x, p + ".ln_1", HIDDEN, EPS), causal, p)
    x = g.op("Add", [a, x])
    h = g.layer_norm(x, p + ".ln_2", HIDDEN, EPS)
    g.push("mlp")
    h = g.linear(h, p + ".mlp.c_fc", HIDDEN, 4 * HIDDEN)
    g.push("act"); h = gelu_tanh(g, h); g.pop()
    h = g.linear(h, p + ".mlp.c_proj", 4 * HIDDEN, HIDDEN)
    g.pop()
    x = g.op("Add", [x, h])
    g.pop(2)
    return x


def build(small=False):
    cfg = config(small)
    g = GraphBuilder(seed=4)
    ids = g.input("input_ids", TensorProto.INT64, [BATCH, SEQ])
    wte_arr = g.normal((cfg["vocab"], HIDDEN), 0.05)
    wte = g.init(wte_arr, "transformer.wte.weight")
    wpe = g.init(g.normal((N_POS, HIDDEN), 0.5), "transformer.wpe.weight")
    pos = g.init(np.arange(SEQ, dtype=np.int64)[None, :], op="Gather")
    g.push("transformer")
    g.push("wte"); te = g.op("Gather", [wte, ids]); g.pop()
    g.push("wpe"); pe = g.op("Gather", [wpe, pos]); g.pop()
    x = g.op("Add", [te, pe])
    g.pop()
    # The `bias` buffer's causal slice, folded to a constant bool [1, 1, seq, seq].
    causal = g.init(np.tril(np.ones((SEQ, SEQ), np.bool_))[None, None], op="Where")
    for i in range(cfg["layers"]):
        x = block(g, x, causal, i)
    g.push("transformer")
    x = g.layer_norm(x, "transformer.ln_f", HIDDEN, EPS)
    g.pop()
    g.push("lm_head")
    head = g.init(np.ascontiguousarray(wte_arr.T), op="MatMul")
    g.op("MatMul", [x, head])
    g.pop()
    g.rename_last_output("logits")
    g.output("logits", TensorProto.FLOAT, [BATCH, SEQ, cfg["vocab"]])
    return check(g.model(doc=f"gpt2-small decoder, {cfg['layers']} layers, vocab {cfg['vocab']}"))


def make_inputs(batch, rng, small=False):
    return {"input_ids": rng.integers(0, config(small)["vocab"], (batch, SEQ), dtype=np.int64)}
