"""`gpt2_decoder`: the GPT-2 decoder of `gpt2.py` with a KV cache, for step-by-step generation,
as HF optimum exports GPT2LMHeadModel "with past" (torch.onnx.export, opset 17, eval):

  inputs  input_ids int64 [batch, seq], attention_mask int64 [batch, past + seq],
          position_ids int64 [batch, seq], and per layer i past_key_values.i.key and
          past_key_values.i.value float32 [batch, 12, past, 64];
  outputs logits float32 [batch, seq, vocab] and per layer present.i.key / present.i.value
          float32 [batch, 12, past + seq, 64] (the past with this call's keys appended).

Per block, next to gpt2.py's: K and V are Concat(past, new) on axis 2 (the present); the
scores [batch, 12, seq, past + seq] take the causal slice of the constant `bias` buffer
(Slice of tril [1, 1, 1024, 1024] at rows past..past+seq, columns 0..past+seq, with
Shape->Gather bounds) through Where(causal, scores, float32 min), then the attention mask as
HF's GPT2Model makes it: Unsqueeze to [batch, 1, 1, past + seq], Cast float, (1 - mask) *
float32 min, Add. Position embeddings are Gather(wpe, position_ids).

A zero in attention_mask hides that key position from every query, so a caller may left-pad
a shorter past (zeros in the cache, mask 0) and give position_ids explicitly: that is how a
continuous batcher runs requests of different lengths in one call. Full: 12 layers, vocab
50257 (GPT-2 small); --small: 2 layers, vocab 1000. Same weights seed as gpt2.py."""
import numpy as np
from onnx import TensorProto

from graph_builder import BATCH, GraphBuilder, check
from gpt2 import EPS, HEAD_DIM, HEADS, HIDDEN, N_POS, config, gelu_tanh

SEQ, PAST, TOTAL = "sequence_length", "past_sequence_length", "past_sequence_length + sequence_length"


def past_names(i):
    return f"past_key_values.{i}.key", f"past_key_values.{i}.value"


def present_names(i):
    return f"present.{i}.key", f"present.{i}.value"


def heads(g, x, ref):
    """[batch, seq, 768] -> [batch, 12, seq, 64]."""
    h = g.reshape_dynamic(x, ref, ref, [HEADS, HEAD_DIM])
    return g.op("Transpose", [h], perm=[0, 2, 1, 3])


def causal_slice(g, bias, q, k):
    """bias[:, :, klen - qlen : klen, :klen] with the exporter's Shape->Gather bounds."""
    qlen = g.dim(q, 2)
    klen = g.dim(k, 2)
    start = g.op("Sub", [klen, qlen])
    zero = g.const([0], np.int64)
    starts = g.op("Concat", [start, zero], axis=0)
    ends = g.op("Concat", [klen, klen], axis=0)
    return g.op("Slice", [bias, starts, ends, g.const([2, 3], np.int64), g.const([1, 1], np.int64)])


def attention(g, x, bias, mask_add, p, i, presents):
    g.push("attn")
    g.push("c_attn")
    w = g.init(g.normal((HIDDEN, 3 * HIDDEN), np.sqrt(1.0 / HIDDEN)), op="MatMul")
    b = g.init(g.normal((3 * HIDDEN,), 0.02), p + ".attn.c_attn.bias")
    qkv = g.op("Add", [b, g.op("MatMul", [x, w])])
    g.pop()
    q, k, v = g.op("Split", [qkv, g.const([HIDDEN] * 3, np.int64)], n_out=3, axis=2)
    q, k, v = heads(g, q, x), heads(g, k, x), heads(g, v, x)
    past_k, past_v = past_names(i)
    k = g.op("Concat", [past_k, k], axis=-2)
    v = g.op("Concat", [past_v, v], axis=-2)
    pk, pv = present_names(i)
    g.nodes[-2].output[0] = pk
    g.nodes[-1].output[0] = pv
    k, v = pk, pv
    presents += [pk, pv]
    kt = g.op("Transpose", [k], perm=[0, 1, 3, 2])
    s = g.op("MatMul", [q, kt])
    s = g.op("Div", [s, g.const(float(np.sqrt(HEAD_DIM)))])
    causal = causal_slice(g, bias, q, k)
    s = g.op("Where", [causal, s, g.const(float(np.finfo(np.float32).min))])
    s = g.op("Add", [s, mask_add])
    pr = g.op("Softmax", [s], axis=-1)
    c = g.op("MatMul", [pr, v])
    c = g.op("Transpose", [c], perm=[0, 2, 1, 3])
    shape = g.op("Concat", [g.dim(c, 0), g.dim(c, 1), g.const([HIDDEN], np.int64)], axis=0)
    c = g.op("Reshape", [c, shape])
    o = g.linear(c, p + ".attn.c_proj", HIDDEN, HIDDEN)
    g.pop()
    return o


def block(g, x, bias, mask_add, i, presents):
    p = f"transformer.h.{i}"
    g.push("transformer", f"h.{i}")
    a = attention(g, g.layer_norm(x, p + ".ln_1", HIDDEN, EPS), bias, mask_add, p, i, presents)
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
    mask = g.input("attention_mask", TensorProto.INT64, [BATCH, TOTAL])
    pos = g.input("position_ids", TensorProto.INT64, [BATCH, SEQ])
    for i in range(cfg["layers"]):
        for name in past_names(i):
            g.input(name, TensorProto.FLOAT, [BATCH, HEADS, PAST, HEAD_DIM])
    wte_arr = g.normal((cfg["vocab"], HIDDEN), 0.05)
    wte = g.init(wte_arr, "transformer.wte.weight")
    wpe = g.init(g.normal((N_POS, HIDDEN), 0.5), "transformer.wpe.weight")
    g.push("transformer")
    g.push("wte"); te = g.op("Gather", [wte, ids]); g.pop()
    g.push("wpe"); pe = g.op("Gather", [wpe, pos]); g.pop()
    x = g.op("Add", [te, pe])
    # GPT2Model's extended attention mask: (1 - mask[:, None, None, :]) * finfo.min.
    m = g.op("Unsqueeze", [mask, g.const([1, 2], np.int64)])
    m = g.op("Cast", [m], to=TensorProto.FLOAT)
    m = g.op("Sub", [g.const(1.0), m])
    mask_add = g.op("Mul", [m, g.const(float(np.finfo(np.float32).min))])
    g.pop()
    # The `bias` buffer: tril bool [1, 1, n_positions, n_positions].
    bias = g.init(np.tril(np.ones((N_POS, N_POS), np.bool_))[None, None], "transformer.h.0.attn.bias")
    presents = []
    for i in range(cfg["layers"]):
        x = block(g, x, bias, mask_add, i, presents)
    g.push("transformer")
    x = g.layer_norm(x, "transformer.ln_f", HIDDEN, EPS)
    g.pop()
    g.push("lm_head")
    head = g.init(np.ascontiguousarray(wte_arr.T), op="MatMul")
    g.op("MatMul", [x, head])
    g.pop()
    g.rename_last_output("logits")
    g.output("logits", TensorProto.FLOAT, [BATCH, SEQ, cfg["vocab"]])
    for name in presents:
        g.output(name, TensorProto.FLOAT, [BATCH, HEADS, TOTAL, HEAD_DIM])
    doc = f"gpt2-small decoder with past, {cfg['layers']} layers, vocab {cfg['vocab']}"
    return check(g.model(doc=doc))


def make_inputs(batch, rng, small=False, seq=4, past=6):
    """A decode call with a past: random ids, a left-padded mask (row r has r % past
    padding positions, zeros in its cache), matching position ids."""
    cfg = config(small)
    feeds = {"input_ids": rng.integers(0, cfg["vocab"], (batch, seq), dtype=np.int64)}
    mask = np.ones((batch, past + seq), np.int64)
    pos = np.zeros((batch, seq), np.int64)
    pasts = {}
    for i in range(cfg["layers"]):
        for name in past_names(i):
            pasts[name] = rng.standard_normal((batch, HEADS, past, HEAD_DIM)).astype(np.float32)
    for r in range(batch):
        pad = r % (past + 1) if past else 0
        mask[r, :pad] = 0
        pos[r] = np.arange(past - pad, past - pad + seq)
        for a in pasts.values():
            a[r, :, :pad] = 0
    feeds["attention_mask"] = mask
    feeds["position_ids"] = pos
    feeds.update(pasts)
    return feeds
