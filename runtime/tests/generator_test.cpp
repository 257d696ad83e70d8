//===- generator_test.cpp - kiln_generator unit tests -----------*- C++ -*-===//
//
// Part of Kiln. The continuous batcher on the toy decoder (models/decoder_model.c):
// a request through it equals the same request alone, bit for bit, whatever else is
// batched with it; requests share steps; stop tokens, per-request errors, back-pressure,
// cancellation (queued and active) and both close modes. Runs under ThreadSanitizer in
// CI (label tsan).
//
//===----------------------------------------------------------------------===//

#include "generator_util.h"

#include <chrono>
#include <deque>
#include <thread>

using namespace kiln::test;

namespace {

std::vector<int64_t> prompt(int64_t seed, size_t length) {
  std::vector<int64_t> p;
  for (size_t i = 0; i < length; ++i)
    p.push_back((seed * 7 + static_cast<int64_t>(i) * 5 + 3) % 32);
  return p;
}

} // namespace

TEST(GeneratorCreate, RefusesModelsThatDoNotFit) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  kiln_generator *g = nullptr;
  // optimum's default pairing finds past_key_values.0.key but not cache_b.
  expectError(kiln_generator_create(session.get(), nullptr, nullptr, &g),
              KILN_STATUS_INVALID_ARGUMENT, "input 'cache_b' is not the token ids");
  kiln_decoder_desc d = toyDesc();
  d.position_ids = "positions";
  expectError(kiln_generator_create(session.get(), &d, nullptr, &g), KILN_STATUS_NOT_FOUND,
              "has no position ids input 'positions'");
  d = toyDesc();
  kiln_decoder_cache bad[2] = {{"past_key_values.0.key", "present.0.key", 4},
                               {"cache_b", "cache_b_out", 1}};
  d.caches = bad;
  expectError(kiln_generator_create(session.get(), &d, nullptr, &g), KILN_STATUS_INVALID_ARGUMENT,
              "seq_axis 4 is not in [1, rank 4)");
  bad[0].seq_axis = 1; // dim 2 (the past length) would then have to be static
  expectError(kiln_generator_create(session.get(), &d, nullptr, &g), KILN_STATUS_INVALID_ARGUMENT,
              "is dynamic");
  d = toyDesc();
  kiln_generator_options o;
  kiln_generator_options_initialize(&o);
  o.max_active = 0;
  expectError(kiln_generator_create(session.get(), &d, &o, &g), KILN_STATUS_INVALID_ARGUMENT,
              "max_active must be in [1");
  ModelPtr batch = loadModel(KILN_TEST_BATCH_MODEL);
  SessionPtr bs = createSession(batch.get(), 1);
  expectError(kiln_generator_create(bs.get(), nullptr, nullptr, &g), KILN_STATUS_NOT_FOUND,
              "has no token ids input 'input_ids'");
  EXPECT_EQ(g, nullptr);
}

TEST(Generator, OneRequestEqualsTheReference) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  GeneratorPtr g = createGenerator(session.get(), 4);
  Recorder rec;
  std::vector<int64_t> p = prompt(1, 5);
  KILN_ASSERT_OK(submit(g.get(), p, 12, rec));
  rec.wait();
  EXPECT_EQ(rec.got.code, KILN_STATUS_OK) << rec.got.message;
  Generation want = generateAlone(session.get(), p, 12);
  EXPECT_EQ(compareGenerations(rec.got, want), "");
  EXPECT_EQ(rec.doneTokens, want.tokens);
  EXPECT_EQ(rec.doneCalls.load(), 1);
}

// Requests of different prompt lengths and lengths of output share decode steps (with
// padding) and still get exactly what they get alone.
TEST(Generator, MixedLengthsShareStepsAndMatchAlone) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  GeneratorPtr g = createGenerator(session.get(), 4);
  constexpr int kN = 12;
  std::vector<Recorder> recs(kN);
  std::vector<std::vector<int64_t>> prompts;
  for (int i = 0; i < kN; ++i) {
    prompts.push_back(prompt(i, 1 + (i * 5) % 9));
    KILN_ASSERT_OK(submit(g.get(), prompts[i], 3 + (i * 7) % 11, recs[i]));
  }
  for (int i = 0; i < kN; ++i) {
    recs[i].wait();
    EXPECT_EQ(recs[i].got.code, KILN_STATUS_OK) << recs[i].got.message;
    Generation want = generateAlone(session.get(), prompts[i], 3 + (i * 7) % 11);
    EXPECT_EQ(compareGenerations(recs[i].got, want), "") << "request " << i;
  }
  kiln_generator_stats s = generatorStats(g.get());
  EXPECT_EQ(s.requests, uint64_t(kN));
  EXPECT_EQ(s.completed, uint64_t(kN));
  EXPECT_GT(s.largest_step, 1u) << "no decode step had two requests";
  EXPECT_LE(s.largest_step, 4u);
  EXPECT_GT(s.padded_positions, 0u) << "requests of different lengths never shared a step";
  EXPECT_EQ(s.active + s.queued, 0u);
}

TEST(Generator, StopToken) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  GeneratorPtr g = createGenerator(session.get(), 2);
  std::vector<int64_t> p = prompt(3, 4);
  Generation free = generateAlone(session.get(), p, 20);
  ASSERT_GE(free.tokens.size(), 4u);
  int64_t stop = free.tokens[3];
  Generation want = generateAlone(session.get(), p, 20, stop);
  ASSERT_LE(want.tokens.size(), 4u);
  Recorder rec;
  KILN_ASSERT_OK(submit(g.get(), p, 20, rec, nullptr, stop));
  rec.wait();
  EXPECT_EQ(compareGenerations(rec.got, want), "");
  EXPECT_EQ(rec.got.tokens.back(), stop);
}

// A bad token id fails its prefill, a position past the model's table fails a decode
// step: only the request at fault gets the error (the call is rerun row by row), with
// the tokens it had; the others of the same calls are untouched. Whether the bad
// requests share a call with good ones depends on when the scheduler wakes (under
// ThreadSanitizer it may take each request alone), so the round is repeated, each
// time checking every result, until both errors were met in shared calls.
TEST(Generator, AnErrorReachesOnlyItsRequest) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  std::vector<int64_t> p1 = prompt(1, 3), p2 = prompt(2, 3), pBad = {1, 40, 2};
  std::vector<int64_t> pLong = prompt(4, 60); // the prefill and 4 steps reach position 63
  const Generation want1 = generateAlone(session.get(), p1, 10);
  const Generation want2 = generateAlone(session.get(), p2, 10);
  uint64_t splitSteps = 0;
  for (int round = 0; round < 20 && splitSteps < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    GeneratorPtr g = createGenerator(session.get(), 4);
    Recorder badId, tooLong, ok1, ok2;
    KILN_ASSERT_OK(submit(g.get(), p1, 10, ok1));
    KILN_ASSERT_OK(submit(g.get(), pBad, 10, badId));
    KILN_ASSERT_OK(submit(g.get(), pLong, 10, tooLong));
    KILN_ASSERT_OK(submit(g.get(), p2, 10, ok2));
    for (Recorder *r : {&ok1, &ok2, &badId, &tooLong})
      r->wait();
    EXPECT_EQ(badId.got.code, KILN_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(badId.got.message.find("token id 40 is out of range"), std::string::npos)
        << badId.got.message;
    EXPECT_TRUE(badId.doneTokens.empty());
    EXPECT_EQ(tooLong.got.code, KILN_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(tooLong.got.message.find("position 64"), std::string::npos)
        << tooLong.got.message;
    EXPECT_EQ(tooLong.doneTokens.size(), 5u); // feeding position 64 fails
    EXPECT_EQ(compareGenerations(ok1.got, want1), "");
    EXPECT_EQ(compareGenerations(ok2.got, want2), "");
    kiln_generator_stats s = generatorStats(g.get());
    EXPECT_EQ(s.failed, 2u);
    EXPECT_EQ(s.completed, 2u);
    splitSteps = s.split_steps;
  }
  EXPECT_GE(splitSteps, 2u) << "in 20 rounds the bad requests never both shared a call";
}

TEST(Generator, RefusesBadRequests) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  GeneratorPtr g = createGenerator(session.get(), 2);
  Recorder rec;
  expectError(submit(g.get(), {}, 4, rec), KILN_STATUS_INVALID_ARGUMENT, "the prompt is empty");
  expectError(submit(g.get(), {1}, 0, rec), KILN_STATUS_INVALID_ARGUMENT, "max_new_tokens");
  kiln_generate_request r;
  kiln_generate_request_initialize(&r);
  int64_t one = 1;
  r.prompt = &one;
  r.prompt_length = 1;
  kiln_generate_callbacks none{};
  expectError(kiln_generator_submit(g.get(), &r, &none, nullptr), KILN_STATUS_INVALID_ARGUMENT,
              "callbacks->done is NULL");
  EXPECT_EQ(rec.doneCalls.load(), 0);
}

// With the scheduler held inside a step (a token callback that blocks), the queue fills:
// the next submit is refused; cancelling a queued request completes it at once; an active
// one leaves at the next step boundary with the tokens it had.
TEST(Generator, BackPressureAndCancellation) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  GeneratorPtr g = createGenerator(session.get(), 1, /*capacity=*/2);
  Recorder held, q1, q2, extra;
  held.gate = true;
  uint64_t tHeld = 0, t1 = 0, t2 = 0;
  KILN_ASSERT_OK(submit(g.get(), prompt(1, 3), 50, held, &tHeld));
  held.waitTokens(1); // the scheduler is inside the first call, waiting for us
  KILN_ASSERT_OK(submit(g.get(), prompt(2, 3), 5, q1, &t1));
  KILN_ASSERT_OK(submit(g.get(), prompt(3, 3), 5, q2, &t2));
  expectError(submit(g.get(), prompt(4, 3), 5, extra), KILN_STATUS_RESOURCE_EXHAUSTED,
              "the queue is full");
  KILN_EXPECT_OK(kiln_generator_cancel(g.get(), t1));
  EXPECT_EQ(q1.doneCalls.load(), 1); // on this thread, before cancel returned
  EXPECT_EQ(q1.got.code, KILN_STATUS_CANCELLED);
  KILN_EXPECT_OK(kiln_generator_cancel(g.get(), tHeld)); // active: at the next boundary
  held.release();
  held.wait();
  EXPECT_EQ(held.got.code, KILN_STATUS_CANCELLED);
  EXPECT_GE(held.doneTokens.size(), 1u);
  EXPECT_LT(held.doneTokens.size(), 50u);
  EXPECT_EQ(held.doneTokens, held.got.tokens);
  q2.wait();
  EXPECT_EQ(q2.got.code, KILN_STATUS_OK);
  expectError(kiln_generator_cancel(g.get(), t2), KILN_STATUS_NOT_FOUND, "is done");
  kiln_generator_stats s = generatorStats(g.get());
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(s.cancelled, 2u);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(extra.doneCalls.load() + q1.doneCalls.load() + q2.doneCalls.load() +
                held.doneCalls.load(),
            3);
}

TEST(Generator, CloseCancelsOrDrains) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  for (int32_t mode : {KILN_GENERATOR_CLOSE_CANCEL, KILN_GENERATOR_CLOSE_DRAIN}) {
    GeneratorPtr g = createGenerator(session.get(), 1);
    Recorder held, queued;
    held.gate = true;
    KILN_ASSERT_OK(submit(g.get(), prompt(1, 3), 30, held));
    held.waitTokens(1);
    KILN_ASSERT_OK(submit(g.get(), prompt(2, 3), 5, queued));
    std::thread closer([&] { kiln_generator_close(g.get(), mode); });
    // Submits racing with close are accepted (and then complete like any other) until
    // close has begun; after that they are refused.
    std::deque<Recorder> late;
    for (;;) {
      late.emplace_back();
      kiln_status *st = submit(g.get(), {1}, 1, late.back());
      if (!st) {
        std::this_thread::yield();
        continue;
      }
      late.pop_back();
      if (kiln_status_code(st) == KILN_STATUS_RESOURCE_EXHAUSTED) {
        kiln_status_free(st);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      expectError(st, KILN_STATUS_FAILED_PRECONDITION, "closed");
      break;
    }
    held.release();
    closer.join();
    for (Recorder &r : late)
      EXPECT_EQ(r.doneCalls.load(), 1);
    EXPECT_EQ(held.doneCalls.load(), 1);
    EXPECT_EQ(queued.doneCalls.load(), 1);
    kiln_status_code_t want =
        mode == KILN_GENERATOR_CLOSE_CANCEL ? KILN_STATUS_CANCELLED : KILN_STATUS_OK;
    EXPECT_EQ(held.got.code, want) << held.got.message;
    EXPECT_EQ(queued.got.code, want) << queued.got.message;
    if (mode == KILN_GENERATOR_CLOSE_DRAIN)
      EXPECT_EQ(held.doneTokens.size(), 30u);
    kiln_generator_close(g.get(), mode); // idempotent
  }
}
