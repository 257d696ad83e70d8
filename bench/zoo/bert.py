"""`bert`: BERT-base encoder (HF BertModel, no pooler) at sequence 128, as torch.onnx.export
(TorchScript, opset 17, eval, constant folding) writes it with LayerNorm and GELU decomposed:

  embeddings: Gather(word_embeddings, input_ids) + Gather(position_embeddings, position ids
    sliced from the `position_ids` buffer) + Gather(token_type_embeddings, zeros buffer),
    LayerNorm (ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul, Add);
  extended mask: Unsqueeze(1), Unsqueeze(2), Cast float, Sub(1, m), Mul(-10000);
  per layer: Q/K/V MatMul + Add(bias); Reshape to [batch, seq, 12, 64] through a
    Shape->Gather->Unsqueeze->Concat shape; Transpose (0,2,1,3) (K: (0,2,3,1)); MatMul; Div
    sqrt(64); Add mask; Softmax(-1); MatMul; Transpose (0,2,1,3); Reshape [batch, seq, 768];
    output MatMul + Add, residual Add, LayerNorm; FFN MatMul + Add, GELU erf form (Div
    1.4142135, Erf, Add 1, Mul x, Mul 0.5), MatMul + Add, residual Add, LayerNorm.

Inputs `input_ids`, `attention_mask` int64 [batch, 128]; output `last_hidden_state`
[batch, 128, 768]. Full: 12 layers, vocab 30522. --small: 2 layers, vocab 1000.
Weights: Xavier-style std 1/sqrt(fan_in) so attention scores are O(1); LayerNorm gains 1."""
import numpy as np
from onnx import TensorProto

from graph_builder import BATCH, GraphBuilder, check

SEQ, HIDDEN, HEADS, FFN, MAX_POS, EPS = 128, 768, 12, 3072, 512, 1e-12
HEAD_DIM = HIDDEN // HEADS


def config(small):
    return {"layers": 2, "vocab": 1000} if small else {"layers": 12, "vocab": 30522}


def split_heads(g, x, ref, perm):
    h = g.reshape_dynamic(x, ref, ref, [HEADS, HEAD_DIM])
    return g.op("Transpose", [h], perm=perm)


def attention(g, x, mask, p):
    g.push("attention", "self")
    q = g.linear(x, p + ".attention.self.query", HIDDEN, HIDDEN)
    k = g.linear(x, p + ".attention.self.key", HIDDEN, HIDDEN)
    v = g.linear(x, p + ".attention.self.value", HIDDEN, HIDDEN)
    k = split_heads(g, k, x, [0, 2, 3, 1])
    v = split_heads(g, v, x, [0, 2, 1, 3])
    q = split_heads(g, q, x, [0, 2, 1, 3])
    s = g.op("MatMul", [q, k])
    s = g.op("Div", [s, g.const(float(np.sqrt(HEAD_DIM)))])
    s = g.op("Add", [s, mask])
    pr = g.op("Softmax", [s], axis=-1)
    c = g.op("MatMul", [pr, v])
    c = g.op("Transpose", [c], perm=[0, 2, 1, 3])
    shape = g.op("Concat", [g.dim(c, 0), g.dim(c, 1), g.const([HIDDEN], np.int64)], axis=0)
    c = g.op("Reshape", [c, shape])
    g.pop(2)
    g.push("attention", "output")
    o = g.linear(c, p + ".attention.output.dense", HIDDEN, HIDDEN)
    o = g.op("Add", [o, x])
    o = g.layer_norm(o, p + ".attention.output.LayerNorm", HIDDEN, EPS)
    g.pop(2)
    return o


def gelu_erf(g, x):
    e = g.op("Erf", [g.op("Div", [x, g.const(1.4142135381698608)])])
    y = g.op("Mul", [x, g.op("Add", [e, g.const(1.0)])])
    return g.op("Mul", [y, g.const(0.5)])


def layer(g, x, mask, i):
    p = f"encoder.layer.{i}"
    g.push("encoder", f"layer.{i}")
    a = attention(g, x, mask, p)
    g.push("intermediate")
    h = g.linear(a, p + ".intermediate.dense", HIDDEN, FFN)
    g.push("intermediate_act_fn"); h = gelu_erf(g, h); g.pop()
    g.pop()
    g.push("output")
    o = g.linear(h, p + ".output.dense", FFN, HIDDEN)
    o = g.op("Add", [o, a])
    o = g.layer_norm(o, p + ".output.LayerNorm", HIDDEN, EPS)
    g.pop()
    g.pop(2)
    return o


def build(small=False):
    cfg = config(small)
    g = GraphBuilder(seed=3)
    ids = g.input("input_ids", TensorProto.INT64, [BATCH, SEQ])
    am = g.input("attention_mask", TensorProto.INT64, [BATCH, SEQ])
    # Embeddings.
    g.push("embeddings")
    wte = g.init(g.normal((cfg["vocab"], HIDDEN), 0.5), "embeddings.word_embeddings.weight")
    wpe = g.init(g.normal((MAX_POS, HIDDEN), 0.5), "embeddings.position_embeddings.weight")
    tte = g.init(g.normal((2, HIDDEN), 0.5), "embeddings.token_type_embeddings.weight")
    pos_buf = g.init(np.arange(MAX_POS, dtype=np.int64)[None, :], "embeddings.position_ids")
    tt_buf = g.init(np.zeros((1, MAX_POS), np.int64), "embeddings.token_type_ids")
    g.push("word_embeddings"); we = g.op("Gather", [wte, ids]); g.pop()
    sl = [g.const([0], np.int64), g.const([SEQ], np.int64), g.const([1], np.int64),
          g.const([1], np.int64)]
    pos_ids = g.op("Slice", [pos_buf] + sl)
    tt_ids = g.op("Slice", [tt_buf] + sl)
    g.push("token_type_embeddings"); te = g.op("Gather", [tte, tt_ids]); g.pop()
    e = g.op("Add", [we, te])
    g.push("position_embeddings"); pe = g.op("Gather", [wpe, pos_ids]); g.pop()
    e = g.op("Add", [e, pe])
    x = g.layer_norm(e, "embeddings.LayerNorm", HIDDEN, EPS)
    g.pop()
    # Extended attention mask: (1 - mask[:, None, None, :].float()) * -10000.
    m = g.op("Unsqueeze", [am, g.const([1], np.int64)])
    m = g.op("Unsqueeze", [m, g.const([2], np.int64)])
    m = g.op("Cast", [m], to=TensorProto.FLOAT)
    m = g.op("Sub", [g.const(1.0), m])
    mask = g.op("Mul", [m, g.const(-10000.0)])
    for i in range(cfg["layers"]):
        x = layer(g, x, mask, i)
    g.rename_last_output("last_hidden_state")
    g.output("last_hidden_state", TensorProto.FLOAT, [BATCH, SEQ, HIDDEN])
    return check(g.model(doc=f"bert-base encoder, {cfg['layers']} layers, seq {SEQ}"))


def make_inputs(batch, rng, small=False):
    """input_ids uniform in [0, vocab); attention_mask ones with a zero tail of 0..32 padded
    positions per row (row 0 always has 7, so every batch has some masked positions)."""
    ids = rng.integers(0, config(small)["vocab"], (batch, SEQ), dtype=np.int64)
    pads = rng.integers(0, 33, batch)
    pads[0] = 7
    mask = np.ones((batch, SEQ), np.int64)
    for b, pad in enumerate(pads):
        if pad:
            mask[b, SEQ - pad:] = 0
    return {"input_ids": ids, "attention_mask": mask}
