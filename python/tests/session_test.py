"""Tests the package kiln from the build tree (ctest kiln-python-package).

    session_test.py --kilnc KILNC --add-model ADD.so --sequence-model SEQ.so
                    --decoder-model DEC.so --onnx add_mul.onnxtxt --work DIR

ADD.so, SEQ.so and DEC.so are the runtime's hand-written test models (runtime/tests/models);
add_mul.onnxtxt is compiled here with kiln.compile.
"""

import argparse
import concurrent.futures
import ctypes
import os
import threading

import numpy as np

import kiln

parser = argparse.ArgumentParser()
for flag in ("--kilnc", "--add-model", "--sequence-model", "--decoder-model", "--onnx", "--work"):
    parser.add_argument(flag, required=True)
args = parser.parse_args()
os.makedirs(args.work, exist_ok=True)
os.environ["KILN_KILNC"] = args.kilnc


def expect_error(code, fn, *fn_args, contains=""):
    try:
        fn(*fn_args)
    except kiln.KilnError as e:
        assert isinstance(e, RuntimeError)
        assert e.code == code, (e.code, code, e)
        assert contains in e.message, (contains, e.message)
        return e
    raise AssertionError(f"expected KilnError {code}")


def test_compile_and_metadata():
    out = kiln.compile(args.onnx, os.path.join(args.work, "add_mul.so"), opt_level=2)
    assert os.path.exists(out)
    session = kiln.Session(out, threads=1)
    assert [i.name for i in session.inputs] == ["a", "b"]
    assert [o.name for o in session.outputs] == ["sum", "product"]
    assert session.inputs[0].shape == ("N", 4), session.inputs[0]
    assert session.inputs[0].dtype == np.float32
    assert session.num_threads == 1
    # Options map to kilnc flags; kilnc's own message comes back on failure.
    err = expect_error("COMPILE_FAILED", lambda: kiln.compile(
        args.onnx, os.path.join(args.work, "x.so"), target_cpu="no-such-cpu"))
    assert isinstance(err, kiln.CompileError) and err.returncode != 0
    assert "no-such-cpu" in err.message, err.message
    expect_error("COMPILE_FAILED", kiln.compile, os.path.join(args.work, "missing.onnx"))
    return session


def test_run(session):
    rng = np.random.default_rng(0)
    for batch in (1, 3, 17):
        a = rng.standard_normal((batch, 4), dtype=np.float32)
        b = rng.standard_normal((batch, 4), dtype=np.float32)
        out = session.run({"a": a, "b": b})
        assert set(out) == {"sum", "product"}
        np.testing.assert_allclose(out["sum"], a + b, rtol=1e-6)
        np.testing.assert_allclose(out["product"], a * b, rtol=1e-6)
        # The output is the runtime's buffer, owned by a capsule: no copy.
        assert not out["sum"].flags.owndata and out["sum"].flags.c_contiguous
    only = session.run({"a": a, "b": b}, output_names=["product"])
    assert list(only) == ["product"]
    # Non-contiguous, Fortran-order and list inputs are converted once.
    big = rng.standard_normal((4, 8), dtype=np.float32)
    out = session.run({"a": big[:, ::2], "b": np.asfortranarray(big[:, 1::2])})
    np.testing.assert_allclose(out["sum"], big[:, ::2] + big[:, 1::2], rtol=1e-6)
    out = session.run({"a": [[1, 2, 3, 4]], "b": [[0.5, 0.5, 0.5, 0.5]]})
    np.testing.assert_array_equal(out["sum"], [[1.5, 2.5, 3.5, 4.5]])


def test_errors(session):
    a = np.zeros((2, 4), np.float32)
    expect_error("INVALID_ARGUMENT", session.run, {"a": a.astype(np.float64), "b": a},
                 contains="expected dtype float32, got float64")
    expect_error("INVALID_ARGUMENT", session.run, {"a": np.zeros((2, 5), np.float32), "b": a},
                 contains="dim 1: expected 4, got 5")
    expect_error("INVALID_ARGUMENT", session.run, {"a": np.zeros((3, 4), np.float32), "b": a},
                 contains="('N')")
    expect_error("INVALID_ARGUMENT", session.run, {"a": np.zeros(4, np.float32), "b": a},
                 contains="expected rank 2")
    expect_error("INVALID_ARGUMENT", session.run, {"a": a}, contains="missing input 'b'")
    expect_error("INVALID_ARGUMENT", session.run, {"a": a, "b": a, "c": a},
                 contains="unknown inputs 'c'")
    expect_error("UNIMPLEMENTED", session.run, {"a": np.array(["x"]), "b": a})
    expect_error("NOT_FOUND", session.run, {"a": a, "b": a}, ["nope"])
    expect_error("NOT_FOUND", kiln.Session, os.path.join(args.work, "missing.so"))


def test_threads(session):
    """8 threads x 200 runs on one session, each with its own batch and values."""
    failures = []

    def worker(t):
        rng = np.random.default_rng(t)
        for run in range(200):
            batch = 1 + (t * 7 + run) % 13
            a = rng.standard_normal((batch, 4), dtype=np.float32)
            b = np.full((batch, 4), t + run, dtype=np.float32)
            out = session.run({"a": a, "b": b})
            if not (np.array_equal(out["sum"], a + b) and np.array_equal(out["product"], a * b)):
                failures.append((t, run))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures, failures[:5]


def test_run_async(session):
    feeds = [{"a": np.full((k + 1, 4), k, np.float32), "b": np.ones((k + 1, 4), np.float32)}
             for k in range(64)]
    futures = [session.run_async(f) for f in feeds]
    for k, fut in enumerate(futures):
        assert isinstance(fut, concurrent.futures.Future)
        np.testing.assert_array_equal(fut.result()["sum"], np.full((k + 1, 4), k + 1))
    bad = session.run_async({"a": feeds[0]["a"]})
    assert isinstance(bad.exception(), kiln.KilnError)
    session.close()


def test_hand_written_models():
    # The add model's sum goes through the activation arena: concurrent runs on a
    # session with a thread pool must each get their own.
    model = kiln.Model(args.add_model)
    session = kiln.Session(model, threads=2)
    assert session.model is model and model.device == "host"
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        def one(k):
            a = np.full((k % 5 + 1, 4), k, np.float32)
            return np.array_equal(session.run({"a": a, "b": a})["y"], 2 * a)
        assert all(pool.map(one, range(200)))
    # The GIL is released while the model runs: runs from several Python threads overlap
    # inside the model (add_model.c counts its parallel_for bodies in flight; each spins a
    # while, and a one-thread session runs them on the calling thread).
    # On a loaded machine (other tests on both cores) the threads may by chance never be
    # inside the model at once in one round (CI saw 5 such rounds in a row once); with the
    # GIL held they never are in any, so rounds repeat until one overlaps.
    stats = ctypes.CDLL(args.add_model)  # the library the runtime loaded: same counters
    inline = kiln.Session(model, threads=1)
    a = np.ones((1, 4), np.float32)
    in_flight, violations, bodies = (ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64())
    rounds = 50
    for _ in range(rounds):
        stats.add_model_reset_stats()
        workers = [threading.Thread(target=lambda: [inline.run({"a": a, "b": a})
                                                    for _ in range(100)])
                   for _ in range(4)]
        for th in workers:
            th.start()
        for th in workers:
            th.join()
        stats.add_model_stats(ctypes.byref(in_flight), ctypes.byref(violations),
                              ctypes.byref(bodies))
        assert bodies.value == 400, bodies.value
        if in_flight.value >= 2:
            break
    assert in_flight.value >= 2, \
        f"runs never overlapped in {rounds} rounds: is the GIL held? ({in_flight.value})"

    seq = kiln.Session(args.sequence_model, threads=1)
    assert seq.inputs[0].sequence and seq.outputs[0].sequence
    xs = [np.ones((1, 2), np.float32), np.arange(3, dtype=np.float32).reshape(3, 1)]
    ys = seq.run({"xs": xs})["ys"]
    assert [y.shape for y in ys] == [(3, 1), (1, 2)], ys
    np.testing.assert_array_equal(ys[0], 2 * xs[1])
    assert seq.run({"xs": []})["ys"] == []
    expect_error("INVALID_ARGUMENT", seq.run, {"xs": [np.ones(3, np.float32)]}, contains="rank")
    expect_error("INVALID_ARGUMENT", seq.run, {"xs": np.ones(3, np.float32)},
                 contains="give a list")


def test_batcher(session):
    """kiln.Batcher on the kilnc-compiled model: 16 threads x 100 single-row requests,
    each checking its own answer; futures, back-pressure, cancellation and close."""
    with kiln.Batcher(session, max_batch=16, timeout_us=500, workers=2) as batcher:
        failures = []

        def worker(t):
            for run in range(100):
                a = np.full((1, 4), t * 1000 + run, np.float32) + np.arange(4, dtype=np.float32)
                b = np.full((1, 4), run, np.float32)
                out = batcher.run({"a": a, "b": b})
                if not (np.array_equal(out["sum"], a + b) and np.array_equal(out["product"], a * b)):
                    failures.append((t, run))

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(16)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not failures, failures[:5]
        stats = batcher.stats
        assert stats["completed"] == 1600 and stats["failed"] == 0, stats
        assert stats["largest_batch"] > 1, stats  # 16 threads shared batches
        assert stats["largest_batch"] <= 16, stats

        feeds = [{"a": np.full((1 + k % 2, 4), k, np.float32), "b": np.ones((1 + k % 2, 4), np.float32)}
                 for k in range(40)]
        futures = [batcher.submit(f) for f in feeds]
        for k, fut in enumerate(futures):
            assert isinstance(fut, concurrent.futures.Future)
            np.testing.assert_array_equal(fut.result(timeout=20)["sum"], feeds[k]["a"] + 1)
        only = batcher.run(feeds[0], output_names=["product"])
        assert list(only) == ["product"]
        # A bad request is refused by run/submit itself, and does not reach a batch.
        expect_error("INVALID_ARGUMENT", batcher.run, {"a": np.zeros((1, 5), np.float32),
                                                       "b": np.zeros((1, 5), np.float32)},
                     contains="dim 1: expected 4, got 5")
        expect_error("INVALID_ARGUMENT", batcher.submit, {"a": feeds[0]["a"]}, contains="missing")
        expect_error("INVALID_ARGUMENT", batcher.run, {"a": np.zeros((17, 4), np.float32),
                                                       "b": np.zeros((17, 4), np.float32)},
                     contains="more than max_batch 16")

    # A long timeout and a small queue: requests wait, the queue fills, close drains.
    batcher = kiln.Batcher(session, max_batch=64, timeout_us=3600 * 10**6, queue_capacity=4)
    one = {"a": np.ones((1, 4), np.float32), "b": np.ones((1, 4), np.float32)}
    futures = [batcher.submit(one) for _ in range(4)]
    expect_error("RESOURCE_EXHAUSTED", batcher.submit, one, contains="queue is full")
    assert futures[1].cancel() and futures[1].cancelled()
    assert not futures[0].done()
    batcher.close()
    assert all(f.done() for f in futures)
    for k in (0, 2, 3):
        np.testing.assert_array_equal(futures[k].result()["sum"], np.full((1, 4), 2))
    try:
        futures[1].result()
        raise AssertionError("expected CancelledError")
    except concurrent.futures.CancelledError:
        pass
    assert not futures[0].cancel()  # done
    expect_error("FAILED_PRECONDITION", batcher.run, one, contains="closed")
    stats = batcher.stats
    assert (stats["rejected"], stats["cancelled"], stats["completed"]) == (1, 1, 3), stats

    # close(cancel_pending=True): queued futures end cancelled.
    batcher = kiln.Batcher(session, max_batch=64, timeout_us=3600 * 10**6)
    futures = [batcher.submit(one) for _ in range(3)]
    batcher.close(cancel_pending=True)
    assert all(f.cancelled() for f in futures)

    # Dropping the last reference to a batcher drains it: its futures still complete.
    batcher = kiln.Batcher(session, max_batch=64, timeout_us=3600 * 10**6)
    futures = [batcher.submit(one) for _ in range(3)]
    del batcher
    for f in futures:
        np.testing.assert_array_equal(f.result(timeout=20)["sum"], np.full((1, 4), 2))

    # A model without a batch dimension on every input is refused.
    expect_error("INVALID_ARGUMENT", kiln.Batcher, args.sequence_model, contains="sequence")


def test_generator():
    """kiln.Generator on the toy decoder (runtime/tests/models/decoder_model.c, exact
    arithmetic): batched results equal those alone; futures, on_token, stop tokens, errors
    with the tokens so far, back-pressure, cancellation (queued and active) and close."""
    caches = [("past_key_values.0.key", "present.0.key", 2), ("cache_b", "cache_b_out", 1)]
    expect_error("INVALID_ARGUMENT", kiln.Generator, args.decoder_model, contains="'cache_b'")
    session = kiln.Session(args.decoder_model, threads=1)
    prompts = [[(7 * i + 5 * k + 3) % 32 for k in range(1 + i % 9)] for i in range(24)]
    with kiln.Generator(session, max_active=1, caches=caches) as gen:
        alone = [gen.generate(p, 3 + i % 10, return_logits=True) for i, p in enumerate(prompts)]
    with kiln.Generator(session, max_active=4, caches=caches) as gen:
        results = [None] * len(prompts)

        def worker(t):
            futs = [(i, gen.submit(prompts[i], 3 + i % 10, return_logits=True))
                    for i in range(t, len(prompts), 4)]
            for i, f in futs:
                results[i] = f.result(timeout=30)

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        for got, want in zip(results, alone):
            assert isinstance(got, kiln.Generation)
            assert got.tokens.dtype == np.int64 and got.logits.shape == (len(got.tokens), 32)
            np.testing.assert_array_equal(got.tokens, want.tokens)
            np.testing.assert_array_equal(got.logits, want.logits)
        assert gen.stats["largest_step"] > 1, gen.stats
        seen = []
        out = gen.submit(prompts[5], 8, on_token=seen.append).result(timeout=30)
        assert seen == out.tokens.tolist() and out.logits is None
        stop = int(alone[5].tokens[1])
        out = gen.generate(prompts[5], 8, stop_token=stop)
        assert out.tokens[-1] == stop and len(out.tokens) <= 2
        # A position past the toy's 64 fails the request, with the tokens it made.
        fut = gen.submit([1] * 62, 10)
        try:
            fut.result(timeout=30)
            raise AssertionError("expected KilnError")
        except kiln.KilnError as e:
            assert e.code == "INVALID_ARGUMENT" and "position 64" in e.message, e
            assert len(e.tokens) == 3, e.tokens
        expect_error("INVALID_ARGUMENT", gen.submit, [], 4, contains="prompt is empty")

    # The scheduler held in a step (on_token waits): the queue fills, cancel works on a
    # queued and on an active request, close(cancel_pending=True) cancels the rest.
    gen = kiln.Generator(session, max_active=1, queue_capacity=2, caches=caches)
    release, started = threading.Event(), threading.Event()

    def hold(_token):
        started.set()
        release.wait(30)

    active = gen.submit([1, 2], 30, on_token=hold)
    assert started.wait(30)
    queued = [gen.submit([3], 5), gen.submit([4], 5)]
    expect_error("RESOURCE_EXHAUSTED", gen.submit, [5], 5, contains="queue is full")
    assert queued[0].cancel() and queued[0].cancelled()
    assert active.cancel()  # active: leaves at the next step boundary
    release.set()
    try:
        active.result(timeout=30)
        raise AssertionError("expected CancelledError")
    except concurrent.futures.CancelledError:
        pass
    assert len(queued[1].result(timeout=30).tokens) == 5
    assert not queued[1].cancel()
    more = [gen.submit([6], 5) for _ in range(2)]
    gen.close(cancel_pending=True)
    assert all(f.done() for f in more)
    expect_error("FAILED_PRECONDITION", gen.submit, [1], 1, contains="closed")
    stats = gen.stats
    assert stats["rejected"] == 1 and stats["completed"] + stats["cancelled"] == 5, stats


session = test_compile_and_metadata()
test_run(session)
test_errors(session)
test_threads(session)
test_run_async(session)
test_batcher(session)
test_generator()
test_hand_written_models()
print("kiln python package: all tests passed")
