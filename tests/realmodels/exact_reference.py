"""A second reference for a model whose Kiln output differs from ONNX Runtime's.

ORT's CPU Sigmoid (MlasComputeLogistic) is a rational approximation: measured against
float64 it is up to ~3e5 ulp off where sigmoid(x) is near 0 (its absolute error stays
below ~1e-7), while Kiln computes 1 / (1 + exp(-x)) to within 2 ulp. Most models do
not notice. A model that requantizes its activations dynamically after every layer
(DynamicQuantizeLinear -> ConvInteger -> Sigmoid -> ...) turns any one-ulp difference
into a flipped uint8 rounding and amplifies it layer by layer, so there the two engines
differ by about as much as ORT differs from itself with an exact Sigmoid.

`exact_sigmoid_model` writes the model with every default-domain Sigmoid (in the main
graph and in subgraphs) spelled as Div(1, Add(1, Exp(Neg(x)))), which ORT computes to
about an ulp; run_corpus.py compares Kiln with ORT on it and reports that figure next
to the plain comparison. It never changes the verdict "matches ORT".
"""

import numpy as np


def _expand(graph, helper, counter, types):
    nodes = []
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == attr.GRAPH:
                _expand(attr.g, helper, counter, types)
            for g in attr.graphs:
                _expand(g, helper, counter, types)
        if node.op_type != "Sigmoid" or node.domain not in ("", "ai.onnx"):
            nodes.append(node)
            continue
        counter[0] += 1
        x, y = node.input[0], node.output[0]
        t = f"__kiln_exact_sigmoid_{counter[0]}"
        # The element type of x, where shape inference knows it (else float).
        elem = types.get(x, 1)
        nodes += [helper.make_node("Constant", [], [t + "_one"],
                                   value=helper.make_tensor(t + "_c", elem, [], [1.0])),
                  helper.make_node("Neg", [x], [t + "_neg"]),
                  helper.make_node("Exp", [t + "_neg"], [t + "_exp"]),
                  helper.make_node("Add", [t + "_exp", t + "_one"], [t + "_den"]),
                  helper.make_node("Div", [t + "_one", t + "_den"], [y])]
    del graph.node[:]
    graph.node.extend(nodes)


def exact_sigmoid_model(onnx, src, dst):
    """Writes `src` with exact Sigmoids to `dst`; returns how many it replaced (0: no file
    is written)."""
    from onnx import helper
    model = onnx.load(src)
    types = {}
    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph
        for v in list(inferred.input) + list(inferred.value_info) + list(inferred.output):
            if v.type.tensor_type.elem_type:
                types[v.name] = v.type.tensor_type.elem_type
    except Exception:  # noqa: BLE001  (contrib ops: fall back to float)
        pass
    counter = [0]
    _expand(model.graph, helper, counter, types)
    if counter[0] == 0:
        return 0
    onnx.save(model, dst)
    return counter[0]


def argmax_agreement(kiln_out, ref_out):
    """Fraction of rows (over the last axis, outputs with > 1 column) whose argmax agrees,
    or None when no output has rows to compare."""
    agree = total = 0
    for name, ref in ref_out.items():
        ref = np.asarray(ref)
        got = np.asarray(kiln_out.get(name, ())).reshape(ref.shape) if name in kiln_out else None
        if got is None or ref.ndim == 0 or ref.shape[-1] < 2 or \
                not np.issubdtype(ref.dtype, np.floating):
            continue
        agree += int((got.argmax(-1) == ref.argmax(-1)).sum())
        total += ref.size // ref.shape[-1]
    return agree / total if total else None
