//===- generator_stress_test.cpp - kiln_generator under load ----*- C++ -*-===//
//
// Part of Kiln. Many threads submit requests with different prompt lengths, output
// lengths and stop tokens into a small queue (retrying on back-pressure); every request's
// tokens and the logits of each must equal, bit for bit, those of the same request run
// alone (the toy decoder's arithmetic is exact, so padding may not change a single bit).
// Then cancellations and a close racing with submits: every accepted request completes
// exactly once. Runs under ThreadSanitizer in CI (ctest -L tsan); sessions run inline.
//
//===----------------------------------------------------------------------===//

#include "generator_util.h"

#include <chrono>
#include <cstdio>
#include <deque>
#include <random>
#include <thread>

using namespace kiln::test;

namespace {

struct Case {
  std::vector<int64_t> prompt;
  int32_t maxNew = 1;
  int64_t stop = -1;
  Generation want;
  Recorder rec;
  uint64_t ticket = 0;
  bool accepted = false;
};

/// Cases for one thread: prompts of 1..12 tokens, 1..16 new tokens, a stop token on
/// one in three (positions stay below the toy's 64).
void makeCases(std::deque<Case> &cases, int count, unsigned seed, kiln_session *session) {
  std::mt19937 rng(seed);
  for (int i = 0; i < count; ++i) {
    Case &c = cases.emplace_back();
    size_t len = 1 + rng() % 12;
    for (size_t k = 0; k < len; ++k)
      c.prompt.push_back(static_cast<int64_t>(rng() % 32));
    c.maxNew = static_cast<int32_t>(1 + rng() % 16);
    c.stop = rng() % 3 == 0 ? static_cast<int64_t>(rng() % 32) : -1;
    c.want = generateAlone(session, c.prompt, c.maxNew, c.stop);
  }
}

kiln_status *submitRetrying(kiln_generator *g, Case &c, std::atomic<uint64_t> &retries) {
  for (;;) {
    kiln_status *st = submit(g, c.prompt, c.maxNew, c.rec, &c.ticket, c.stop);
    if (!st || kiln_status_code(st) != KILN_STATUS_RESOURCE_EXHAUSTED)
      return st;
    kiln_status_free(st);
    retries.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

} // namespace

TEST(GeneratorStress, ManyThreadsEachGetWhatTheyGetAlone) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  GeneratorPtr g = createGenerator(session.get(), 8, /*capacity=*/16);
  constexpr int kThreads = 12, kPerThread = 40;
  std::vector<std::deque<Case>> cases(kThreads);
  for (int t = 0; t < kThreads; ++t)
    makeCases(cases[t], kPerThread, 1000 + t, session.get());
  std::atomic<uint64_t> retries{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&, t] {
      for (Case &c : cases[t]) {
        if (kiln_status *st = submitRetrying(g.get(), c, retries)) {
          if (failures++ < 5)
            ADD_FAILURE() << describe(st);
          continue;
        }
        c.accepted = true;
        if (c.maxNew % 3 == 0)
          c.rec.wait(); // some threads wait for their result before the next request
      }
    });
  for (std::thread &th : pool)
    th.join();
  for (std::deque<Case> &list : cases)
    for (Case &c : list) {
      ASSERT_TRUE(c.accepted);
      c.rec.wait();
      std::string problem =
          c.rec.got.code ? c.rec.got.message : compareGenerations(c.rec.got, c.want);
      if (problem.empty() && c.rec.doneTokens != c.want.tokens)
        problem = "done() got other tokens than token()";
      if (!problem.empty() && failures++ < 5)
        ADD_FAILURE() << problem;
      EXPECT_EQ(c.rec.doneCalls.load(), 1);
    }
  EXPECT_EQ(failures.load(), 0);
  kiln_generator_stats s = generatorStats(g.get());
  EXPECT_EQ(s.requests, uint64_t(kThreads * kPerThread));
  EXPECT_EQ(s.completed, uint64_t(kThreads * kPerThread));
  EXPECT_EQ(s.failed + s.cancelled, 0u);
  EXPECT_LE(s.largest_step, 8u);
  EXPECT_GT(s.largest_step, 1u);
  std::printf("%llu requests, %llu tokens: %llu prefill calls, %llu decode steps (mean %.2f "
              "rows, largest %llu), %llu padded positions, %llu retries on a full queue\n",
              (unsigned long long)s.requests, (unsigned long long)s.tokens,
              (unsigned long long)s.prefills, (unsigned long long)s.steps,
              double(s.step_rows) / double(s.steps ? s.steps : 1),
              (unsigned long long)s.largest_step, (unsigned long long)s.padded_positions,
              (unsigned long long)retries.load());
}

// Submitters, a canceller and a close (cancel mode) all at once: every accepted request
// completes exactly once, a success with exactly its own tokens, or CANCELLED with a
// prefix of them.
TEST(GeneratorStress, CancellationAndCloseLoseNothing) {
  ModelPtr model = loadModel(KILN_TEST_DECODER_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  GeneratorPtr g = createGenerator(session.get(), 4, /*capacity=*/8);
  constexpr int kThreads = 6, kPerThread = 150;
  std::vector<std::deque<Case>> cases(kThreads);
  for (int t = 0; t < kThreads; ++t)
    makeCases(cases[t], kPerThread, 2000 + t, session.get());
  std::mutex ticketsMutex;
  std::vector<uint64_t> tickets;
  std::atomic<bool> running{true};
  std::atomic<uint64_t> retries{0}, refusedClosed{0};
  std::thread canceller([&] {
    size_t next = 0;
    while (running.load()) {
      uint64_t ticket = 0;
      {
        std::lock_guard<std::mutex> lock(ticketsMutex);
        if (next < tickets.size()) {
          ticket = tickets[next];
          next += 3; // every third request
        }
      }
      if (ticket) {
        kiln_status *st = kiln_generator_cancel(g.get(), ticket);
        if (st && kiln_status_code(st) != KILN_STATUS_NOT_FOUND)
          ADD_FAILURE() << describe(st);
        else
          kiln_status_free(st);
      }
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&, t] {
      for (Case &c : cases[t]) {
        kiln_status *st = submitRetrying(g.get(), c, retries);
        if (st) {
          EXPECT_EQ(kiln_status_code(st), KILN_STATUS_FAILED_PRECONDITION);
          kiln_status_free(st);
          refusedClosed.fetch_add(1);
          continue;
        }
        c.accepted = true;
        std::lock_guard<std::mutex> lock(ticketsMutex);
        tickets.push_back(c.ticket);
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kiln_generator_close(g.get(), KILN_GENERATOR_CLOSE_CANCEL);
  for (std::thread &th : pool)
    th.join();
  running = false;
  canceller.join();
  uint64_t accepted = 0, ok = 0, cancelled = 0;
  for (std::deque<Case> &list : cases)
    for (Case &c : list) {
      if (!c.accepted) {
        EXPECT_EQ(c.rec.doneCalls.load(), 0);
        continue;
      }
      ++accepted;
      EXPECT_EQ(c.rec.doneCalls.load(), 1); // close returned: every done() has run
      std::vector<int64_t> prefix(c.want.tokens.begin(),
                                  c.want.tokens.begin() +
                                      std::min(c.want.tokens.size(), c.rec.doneTokens.size()));
      if (c.rec.got.code == KILN_STATUS_OK) {
        ++ok;
        EXPECT_EQ(compareGenerations(c.rec.got, c.want), "");
      } else {
        ++cancelled;
        EXPECT_EQ(c.rec.got.code, KILN_STATUS_CANCELLED) << c.rec.got.message;
        EXPECT_EQ(c.rec.doneTokens, prefix);
      }
    }
  kiln_generator_stats s = generatorStats(g.get());
  EXPECT_EQ(s.requests, accepted);
  EXPECT_EQ(s.completed, ok);
  EXPECT_EQ(s.cancelled, cancelled);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(accepted + refusedClosed.load(), uint64_t(kThreads * kPerThread));
  std::printf("%llu accepted (%llu done, %llu cancelled), %llu refused after close\n",
              (unsigned long long)accepted, (unsigned long long)ok, (unsigned long long)cancelled,
              (unsigned long long)refusedClosed.load());
}
