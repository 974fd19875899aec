#include "security/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace dalil::security {
namespace {

constexpr int64_t kT0 = 1'800'000'000;

TEST(RateLimiterTest, ABurstThenOneEventPerInterval) {
  RateLimiter limiter({.burst = 3, .interval_seconds = 10});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take(7, kT0), 0) << i;
  EXPECT_EQ(limiter.Take(7, kT0), 10);
  EXPECT_EQ(limiter.Take(7, kT0 + 4), 6);  // a refused event costs nothing
  EXPECT_EQ(limiter.Take(7, kT0 + 10), 0);
  EXPECT_EQ(limiter.Take(7, kT0 + 10), 10);
  // A steady caller at the rate is never refused.
  for (int64_t t = kT0 + 20; t < kT0 + 200; t += 10) EXPECT_EQ(limiter.Take(7, t), 0) << t;
  // After a quiet spell of burst x interval the whole burst is back, no more.
  const int64_t later = kT0 + 200 + 30;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take(7, later), 0) << i;
  EXPECT_EQ(limiter.Take(7, later), 10);
}

TEST(RateLimiterTest, KeysAreIndependent) {
  RateLimiter limiter({.burst = 1, .interval_seconds = 60});
  EXPECT_EQ(limiter.Take(1, kT0), 0);
  EXPECT_EQ(limiter.Take(1, kT0), 60);
  EXPECT_EQ(limiter.Take(2, kT0), 0);
  EXPECT_EQ(limiter.Take(1, kT0 + 59), 1);
  EXPECT_EQ(limiter.Take(1, kT0 + 60), 0);
}

TEST(RateLimiterTest, ZeroIntervalMeansNoLimit) {
  RateLimiter limiter({.burst = 1, .interval_seconds = 0});
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.Take(1, kT0), 0);
}

TEST(RateLimiterTest, IdleKeysAreForgottenAndBusyOnesKept) {
  RateLimiter limiter({.burst = 1, .interval_seconds = 100});
  for (int64_t k = 0; k < 20000; ++k) {
    const int64_t now = kT0 + k;
    ASSERT_EQ(limiter.Take(k, now), 0) << k;
    // Key -1 takes its one event every 100 s and waits in between, across
    // the sweeps that drop the keys gone idle.
    if (k % 100 == 0) {
      ASSERT_EQ(limiter.Take(-1, now), 0) << k;
    } else if (k % 100 == 50) {
      ASSERT_EQ(limiter.Take(-1, now), 50) << k;
    }
  }
  EXPECT_LE(limiter.keys(), 4098u);
  EXPECT_GT(limiter.keys(), 99u);  // the last 100 s of keys are still limited
  EXPECT_EQ(limiter.Take(19999, kT0 + 20000), 99);
}

TEST(RateLimiterTest, ConcurrentCallersGetExactlyTheBurst) {
  RateLimiter limiter({.burst = 50, .interval_seconds = 3600});
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (limiter.Take(42, kT0) == 0) ++allowed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 50);
}

}  // namespace
}  // namespace dalil::security
