"""ONNX Runtime's contrib ops compile and compute what ONNX Runtime computes.

Each case is a one-node model of a `com.microsoft` op (or of a default-domain op ONNX Runtime
registers before ONNX did), as ONNX Runtime's quantizer and transformer optimizer write them,
compiled by kilnc and run with kiln-run, against ONNX Runtime's CPU provider on the same
inputs. Tolerances, per case: float results within 1e-4 relative to max(1, max |ref|);
quantized results within 1 step (ONNX Runtime and Kiln may round a product that lands on a
tie differently); DynamicQuantizeLSTM within 1e-4 absolute (both engines quantize X and each
step's hidden state to uint8 alike; their sigmoid and tanh differ by a few ulps).

Usage: contrib_ops_test.py --kilnc KILNC --kiln-run KILN_RUN --work DIR [--only NAME,...]
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

FLOAT_TOL = 1e-4  # relative to max(1, max |reference|)
QUANT_TOL = 1.0   # absolute, in quantization steps
LSTM_TOL = 1e-4    # absolute: both quantize X and the hidden state alike; sigmoid and tanh differ by ulps
DEFAULT_OPSET = 17

rng = np.random.default_rng(11)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def u8(*shape):
    return rng.integers(0, 256, shape).astype(np.uint8)


def i8(*shape):
    return rng.integers(-128, 128, shape).astype(np.int8)


class Case:
    """A one-node model: op and domain, runtime inputs and constant inputs (initializers)
    in `order` ("" for an absent optional input), attributes, outputs, tolerance (absolute
    when `absolute`, else relative to max(1, max |ref|))."""

    def __init__(self, name, op, inputs, consts=None, attrs=None, outputs=("Y",), order=None,
                 domain="com.microsoft", opset=DEFAULT_OPSET, tol=FLOAT_TOL, absolute=False):
        self.name, self.op, self.domain, self.opset = name, op, domain, opset
        self.inputs, self.consts, self.attrs = inputs, consts or {}, attrs or {}
        self.outputs, self.tol, self.absolute = list(outputs), tol, absolute
        self.order = order if order is not None else list(self.inputs) + list(self.consts)

    def model(self, outputs):
        node = helper.make_node(self.op, self.order, self.outputs, name=f"/{self.name}",
                                domain=self.domain, **self.attrs)
        infos = [helper.make_tensor_value_info(o, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
                 if a is not None else helper.make_empty_tensor_value_info(o)
                 for o, a in zip(self.outputs, outputs) if o]
        graph = helper.make_graph(
            [node], self.name,
            [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
             for k, v in self.inputs.items()],
            infos, [numpy_helper.from_array(v, k) for k, v in self.consts.items()])
        opsets = [helper.make_opsetid("", self.opset), helper.make_opsetid("com.microsoft", 1)]
        model = helper.make_model(graph, opset_imports=opsets)
        model.ir_version = 8
        return model


def pack_bits(q, bits):
    """uint8 values < 2**bits, [..., n] with n * bits a multiple of 8 -> packed bytes, the
    first value in the lowest bits (MatMulNBits' layout)."""
    per = 8 // bits
    q = q.reshape(*q.shape[:-1], -1, per).astype(np.uint16)
    return sum(q[..., j] << (j * bits) for j in range(per)).astype(np.uint8)


def matmul_nbits_case(name, k, n, bits, block, zero_points):
    blocks = -(-k // block)
    blob = block * bits // 8
    q = rng.integers(0, 1 << bits, (n, blocks, block)).astype(np.uint8)
    consts = {"B": pack_bits(q, bits).reshape(n, blocks, blob),
              "scales": (np.abs(f32(n, blocks)) * 0.1 + 0.01).astype(np.float32)}
    order = ["A", "B", "scales"]
    if zero_points == "packed":
        zq = rng.integers(0, 1 << bits, (n, blocks)).astype(np.uint8)
        per = 8 // bits
        padded = np.zeros((n, -(-blocks // per) * per), np.uint8)
        padded[:, :blocks] = zq
        consts["zero_points"] = pack_bits(padded, bits)
        order.append("zero_points")
    elif zero_points == "float":
        consts["zero_points"] = (rng.integers(0, 1 << bits, (n, blocks))).astype(np.float32)
        order.append("zero_points")
    return Case(name, "MatMulNBits", {"A": f32(3, k)}, consts,
                {"K": k, "N": n, "bits": bits, "block_size": block}, order=order)


def cases():
    x = f32(2, 3, 8)
    yield Case("gelu", "Gelu", {"X": x})
    yield Case("bias_gelu", "BiasGelu", {"A": x, "B": f32(8)})
    yield Case("fast_gelu", "FastGelu", {"X": x})
    yield Case("fast_gelu_bias", "FastGelu", {"X": x, "bias": f32(8)})
    yield Case("quick_gelu", "QuickGelu", {"X": x})
    yield Case("quick_gelu_alpha", "QuickGelu", {"X": x}, attrs={"alpha": 1.0})

    yield Case("fused_matmul", "FusedMatMul", {"A": f32(2, 3, 4), "B": f32(2, 4, 5)},
               attrs={"alpha": 0.5})
    yield Case("fused_matmul_trans", "FusedMatMul", {"A": f32(2, 4, 3), "B": f32(5, 4)},
               attrs={"transA": 1, "transB": 1})
    yield Case("fused_matmul_trans_batch", "FusedMatMul",
               {"A": f32(3, 2, 4), "B": f32(4, 2, 5)},
               attrs={"transBatchA": 1, "transBatchB": 1})
    yield Case("fused_matmul_trans_batch_4d", "FusedMatMul",
               {"A": f32(4, 2, 3, 5), "B": f32(2, 3, 4, 6)},
               attrs={"transBatchA": 1, "transA": 1, "alpha": 2.0})

    h = 8
    skip_in = {"input": f32(2, 3, h), "skip": f32(2, 3, h)}
    yield Case("skip_layer_norm", "SkipLayerNormalization", skip_in,
               {"gamma": f32(h), "beta": f32(h), "bias": f32(h)},
               attrs={"epsilon": 1e-5}, outputs=["Y", "", "", "S"])
    yield Case("skip_layer_norm_no_beta", "SkipLayerNormalization", skip_in, {"gamma": f32(h)})
    yield Case("skip_simplified_layer_norm", "SkipSimplifiedLayerNormalization", skip_in,
               {"gamma": f32(h), "bias": f32(h)}, outputs=["Y", "", "", "S"])
    yield Case("simplified_layer_norm", "SimplifiedLayerNormalization", {"X": x},
               {"scale": f32(8)}, domain="")
    yield Case("layer_norm_opset13", "LayerNormalization", {"X": x},
               {"scale": f32(8), "B": f32(8)}, domain="", opset=13)

    attn_in = {"input": f32(2, 4, 8)}
    attn_w = {"weights": f32(8, 24) * 0.3, "bias": f32(24)}
    yield Case("attention", "Attention", attn_in, attn_w, {"num_heads": 2})
    yield Case("attention_mask_2d", "Attention", attn_in,
               dict(attn_w, mask=np.array([[1, 1, 1, 0], [1, 1, 0, 0]], np.int32)),
               {"num_heads": 2})
    yield Case("attention_mask_lengths", "Attention", attn_in,
               dict(attn_w, mask=np.array([3, 2], np.int32)), {"num_heads": 2})
    yield Case("attention_unidirectional", "Attention", attn_in, attn_w,
               {"num_heads": 4, "unidirectional": 1})
    yield Case("attention_qkv_sizes", "Attention", attn_in,
               {"weights": f32(8, 20) * 0.3, "bias": f32(20)},
               {"num_heads": 2, "qkv_hidden_sizes": [8, 8, 4], "scale": 0.25})

    yield matmul_nbits_case("matmul_4bits", 32, 8, 4, 16, None)
    yield matmul_nbits_case("matmul_4bits_zp_ragged_k", 40, 6, 4, 16, "packed")
    yield matmul_nbits_case("matmul_2bits_zp", 64, 4, 2, 32, "packed")
    yield matmul_nbits_case("matmul_8bits_zp", 32, 5, 8, 16, "packed")
    yield matmul_nbits_case("matmul_4bits_float_zp", 32, 5, 4, 16, "float")

    a, b = u8(3, 4), i8(4, 5)
    qparams = {"a_scale": np.float32(0.02), "a_zero_point": np.uint8(120),
               "B": b, "b_scale": np.float32(0.03), "b_zero_point": np.int8(3)}
    yield Case("qgemm_float", "QGemm", {"A": a}, qparams, {"alpha": 1.5})
    yield Case("qgemm_quantized", "QGemm", {"A": a},
               dict(qparams, C=rng.integers(-500, 500, (5,)).astype(np.int32),
                    y_scale=np.float32(0.05), y_zero_point=np.uint8(128)),
               {"alpha": 1.0}, tol=QUANT_TOL, absolute=True)
    yield Case("qgemm_trans_per_column", "QGemm", {"A": u8(4, 3)},
               {"a_scale": np.float32(0.02), "a_zero_point": np.uint8(120),
                "B": i8(5, 4), "b_scale": (np.abs(f32(5)) * 0.05).astype(np.float32),
                "b_zero_point": np.zeros(5, np.int8)},
               {"transA": 1, "transB": 1})

    xq = u8(2, 3, 4)
    yield Case("dequantize_linear", "DequantizeLinear", {"x": xq},
               {"x_scale": np.float32(0.1), "x_zero_point": np.uint8(128)})
    yield Case("dequantize_linear_axis", "DequantizeLinear", {"x": i8(2, 3, 4)},
               {"x_scale": np.array([0.1, 0.2, 0.3], np.float32),
                "x_zero_point": np.array([0, 1, -1], np.int8)}, {"axis": 1})
    yield Case("quantize_linear", "QuantizeLinear", {"x": f32(2, 3, 4)},
               {"y_scale": np.float32(0.02), "y_zero_point": np.int8(-3)},
               tol=QUANT_TOL, absolute=True)
    binary = {"A_scale": np.float32(0.05), "A_zero_point": np.uint8(100),
              "B": u8(4), "B_scale": np.float32(0.03), "B_zero_point": np.uint8(140),
              "C_scale": np.float32(0.08), "C_zero_point": np.uint8(120)}
    yield Case("qlinear_add", "QLinearAdd", {"A": u8(2, 3, 4)}, binary,
               tol=QUANT_TOL, absolute=True)
    yield Case("qlinear_mul", "QLinearMul", {"A": u8(2, 3, 4)}, binary,
               tol=QUANT_TOL, absolute=True)
    yield Case("qlinear_mul_int8", "QLinearMul", {"A": i8(2, 3)},
               {"A_scale": np.float32(0.05), "A_zero_point": np.int8(-2), "B": i8(2, 3),
                "B_scale": np.float32(0.03), "B_zero_point": np.int8(5),
                "C_scale": np.float32(0.5), "C_zero_point": np.int8(1)},
               tol=QUANT_TOL, absolute=True)
    yield Case("qlinear_conv", "QLinearConv", {"x": u8(1, 2, 5, 5)},
               {"x_scale": np.float32(0.02), "x_zero_point": np.uint8(128), "w": i8(4, 2, 3, 3),
                "w_scale": (np.abs(f32(4)) * 0.01 + 0.005).astype(np.float32),
                "w_zero_point": np.zeros(4, np.int8), "y_scale": np.float32(0.1),
                "y_zero_point": np.uint8(100), "B": rng.integers(-100, 100, 4).astype(np.int32)},
               {"pads": [1, 1, 1, 1]}, tol=QUANT_TOL, absolute=True)

    for direction, dirs in (("forward", 1), ("bidirectional", 2)):
        hidden, inp = 3, 4
        w_scale = np.full((dirs,), 0.02, np.float32)
        yield Case(f"dynamic_quantize_lstm_{direction}", "DynamicQuantizeLSTM",
                   {"X": f32(5, 2, inp)},
                   {"W": i8(dirs, inp, 4 * hidden), "R": i8(dirs, hidden, 4 * hidden),
                    "B": f32(dirs, 8 * hidden) * 0.1, "W_scale": w_scale,
                    "W_zero_point": np.zeros((dirs,), np.int8),
                    "R_scale": (np.abs(f32(dirs, 4 * hidden)) * 0.02 + 0.005).astype(np.float32),
                    "R_zero_point": np.zeros((dirs, 4 * hidden), np.int8)},
                   {"hidden_size": hidden, "direction": direction},
                   outputs=["Y", "Y_h", "Y_c"],
                   order=["X", "W", "R", "B", "", "", "", "", "W_scale", "W_zero_point",
                          "R_scale", "R_zero_point"],
                   tol=LSTM_TOL, absolute=True)


def run_case(case, kilnc, kiln_run, work):
    import onnxruntime as ort
    folder = os.path.join(work, case.name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    # Absent optional inputs given as None in `consts` become "" in the node.
    case.order = [k if (k == "" or case.consts.get(k, 0) is not None) else "" for k in case.order]
    case.consts = {k: np.asarray(v) for k, v in case.consts.items() if v is not None}
    while case.order and case.order[-1] == "":
        case.order.pop()
    named = [o for o in case.outputs if o]
    onnx.save(case.model([None] * len(case.outputs)), path)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    want = dict(zip(named, sess.run(named, case.inputs)))
    # Kiln compiles the model as a tool writes it: outputs typed and shaped.
    onnx.save(case.model([want.get(o) for o in case.outputs]), path)
    so = os.path.join(folder, "model.so")
    r = subprocess.run([kilnc, path, "-o", so], capture_output=True, text=True)
    if r.returncode != 0:
        lines = r.stderr.strip().splitlines()
        return f"kilnc failed: {lines[-1] if lines else r.returncode}"
    args = [kiln_run, so, "--threads", "1", "--output-dir", folder]
    for k, v in case.inputs.items():
        np.save(os.path.join(folder, f"in_{k}.npy"), v)
        args += ["--input", f"{k}={folder}/in_{k}.npy"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        return f"kiln-run failed: {r.stderr.strip()}"
    for name in named:
        got, ref = np.load(os.path.join(folder, f"{name}.npy")), want[name]
        if got.shape != ref.shape or got.dtype != ref.dtype:
            return f"{name}: {got.dtype}{list(got.shape)}, want {ref.dtype}{list(ref.shape)}"
        diff = np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))) if ref.size else 0
        scale = 1.0 if case.absolute else max(1.0, float(np.max(np.abs(ref))) if ref.size else 1)
        if not diff <= case.tol * scale:
            return f"{name}: max |kiln - ort| = {diff:.3g} (tolerance {case.tol * scale:.3g})"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    all_cases = [c for c in cases() if not only or c.name in only]
    failures = 0
    for case in all_cases:
        error = run_case(case, args.kilnc, args.kiln_run, args.work)
        print(f"{'FAIL' if error else 'ok  '} {case.name} ({case.domain or 'ai.onnx'} {case.op})"
              + (f": {error}" if error else ""), flush=True)
        failures += bool(error)
    print(f"{len(all_cases) - failures} of {len(all_cases)} contrib-op cases pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
