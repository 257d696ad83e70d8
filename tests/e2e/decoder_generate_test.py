#!/usr/bin/env python3
"""The zoo's GPT-2 decoder with a KV cache (bench/zoo/gpt2_decoder.py, --small: 2 layers,
vocab 1000) compiled by kilnc, against ONNX Runtime, and through kiln.Generator.

    decoder_generate_test.py --kilnc K --work DIR

1. Single calls with dynamic batch, sequence and past lengths (past 0 = a prefill; a
   left-padded past with a partly-zero mask): every output within
   max |kiln - ort| <= 1e-3 * max(1, max |ort|) (zoo_test.py's tolerance).
2. kiln.Generator (max_active 4) serving 16 requests from 4 threads, prompts of 1-20
   tokens, 1-12 new tokens, two with a stop token: each request's tokens must equal
   those of the same request through a generator with max_active 1 (alone: no padding,
   no batching), and its logits those alone within 1e-4 * max(1, |logit|) (float rounding
   differs with the padded length). Against ONNX Runtime, greedy on its own, request by
   request, unpadded: ORT is fed Kiln's tokens (teacher forcing); each step's logits must
   be within 1e-3 * max(1, max |ort|), and ORT's argmax must be Kiln's token unless ORT's
   two best logits are closer than that tolerance (a near tie either may break).
"""
import argparse
import os
import subprocess
import sys
import threading

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench", "zoo"))
import generate  # noqa: E402
import gpt2_decoder  # noqa: E402

TOL = 1e-3


def check_close(name, got, want, failures):
    if got.shape != want.shape:
        failures.append(f"{name}: shape {got.shape} != ort {want.shape}")
        return
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    bound = TOL * max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    if not err <= bound:
        failures.append(f"{name}: max |kiln - ort| = {err:.3g} > {bound:.3g}")


def ort_greedy_check(sess, layers, prompt, tokens, logits, failures, tag):
    """Feeds `prompt` then Kiln's `tokens` to ORT one request alone; checks the logits."""
    pasts = {n: np.zeros((1, 12, 0, 64), np.float32)
             for i in range(layers) for n in gpt2_decoder.past_names(i)}
    feed, length = list(prompt), 0
    for step, tok in enumerate(tokens):
        seq = len(feed)
        feeds = {"input_ids": np.array([feed], np.int64),
                 "attention_mask": np.ones((1, length + seq), np.int64),
                 "position_ids": np.arange(length, length + seq, dtype=np.int64)[None]}
        feeds.update(pasts)
        outs = sess.run(None, feeds)
        last = outs[0][0, -1]
        bound = TOL * max(1.0, float(np.max(np.abs(last))))
        err = float(np.max(np.abs(logits[step] - last)))
        if err > bound:
            failures.append(f"{tag} step {step}: logits max |kiln - ort| {err:.3g} > {bound:.3g}")
            return
        best = int(np.argmax(last))
        if best != tok:
            top2 = np.sort(last)[-2:]
            if top2[1] - top2[0] >= bound:
                failures.append(f"{tag} step {step}: kiln chose {tok}, ort {best} "
                                f"(gap {top2[1] - top2[0]:.3g})")
                return
        names = [o.name for o in sess.get_outputs()]
        pasts = {n: outs[names.index(n.replace("past_key_values", "present"))] for n in pasts}
        length += seq
        feed = [tok]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    import kiln
    import onnxruntime as ort

    onnx_path = generate.generate("gpt2_decoder", args.work, small=True)
    so = os.path.join(args.work, "gpt2_decoder.so")
    subprocess.run([args.kilnc, onnx_path, "-o", so, "-O3"], check=True)
    so_opts = ort.SessionOptions()
    so_opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(onnx_path, so_opts, providers=["CPUExecutionProvider"])
    session = kiln.Session(so, threads=1)
    layers = gpt2_decoder.config(True)["layers"]
    failures = []

    # 1. single calls
    for batch, seq, past in [(1, 5, 0), (3, 1, 7), (2, 4, 6), (4, 3, 1)]:
        rng = np.random.default_rng(batch * 100 + seq * 10 + past)
        feeds = gpt2_decoder.make_inputs(batch, rng, small=True, seq=seq, past=past)
        want = sess.run(None, feeds)
        got = session.run(feeds)
        for o, w in zip(sess.get_outputs(), want):
            check_close(f"call b{batch} s{seq} p{past} '{o.name}'", got[o.name], w, failures)
    print(f"single calls: {'ok' if not failures else failures}", flush=True)

    # 2. generation
    rng = np.random.default_rng(5)
    reqs = []
    for i in range(16):
        reqs.append({"prompt": rng.integers(0, 1000, int(rng.integers(1, 21))).tolist(),
                     "new": int(rng.integers(1, 13)), "stop": None})
    alone = []
    with kiln.Generator(session, max_active=1) as gen:
        for r in reqs:
            alone.append(gen.generate(r["prompt"], r["new"], return_logits=True))
    for i in (3, 7):  # stop at the token the request makes third (or last)
        reqs[i]["stop"] = int(alone[i].tokens[min(2, len(alone[i].tokens) - 1)])
        with kiln.Generator(session, max_active=1) as gen:
            alone[i] = gen.generate(reqs[i]["prompt"], reqs[i]["new"], reqs[i]["stop"], True)
    results = [None] * len(reqs)
    with kiln.Generator(session, max_active=4, queue_capacity=64) as gen:
        def worker(k):
            futs = [(i, gen.submit(reqs[i]["prompt"], reqs[i]["new"], reqs[i]["stop"], True))
                    for i in range(k, len(reqs), 4)]
            for i, f in futs:
                results[i] = f.result()
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = gen.stats
    print(f"generator: {stats}", flush=True)
    if stats["largest_step"] < 2:
        failures.append("no decode step had two requests")
    worst = 0.0
    for i, (got, want) in enumerate(zip(results, alone)):
        if not np.array_equal(got.tokens, want.tokens):
            failures.append(f"request {i}: tokens {got.tokens.tolist()} != alone {want.tokens.tolist()}")
            continue
        d = float(np.max(np.abs(got.logits - want.logits) / np.maximum(1.0, np.abs(want.logits))))
        worst = max(worst, d)
        if d > 1e-4:
            failures.append(f"request {i}: logits differ from alone by {d:.3g} > 1e-4")
        if reqs[i]["stop"] is not None and got.tokens[-1] != reqs[i]["stop"]:
            failures.append(f"request {i}: did not end at its stop token")
        ort_greedy_check(sess, layers, reqs[i]["prompt"], got.tokens.tolist(), got.logits,
                         failures, f"request {i} vs ort")
    print(f"batched vs alone: max scaled logits difference {worst:.2e}")
    for f in failures:
        print("FAIL:", f)
    print("PASS" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
