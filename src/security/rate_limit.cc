#include "security/rate_limit.h"

#include <algorithm>
#include <cassert>

namespace dalil::security {

namespace {
constexpr size_t kSweepAbove = 4096;  // keys kept before idle ones are dropped
}  // namespace

RateLimiter::RateLimiter(Rate rate) : rate_(rate), sweep_at_(kSweepAbove) {
  assert(rate.burst >= 1 && rate.interval_seconds >= 0);
}

size_t RateLimiter::keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return full_at_.size();
}

int64_t RateLimiter::Take(int64_t key, int64_t now) {
  if (rate_.interval_seconds == 0) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (full_at_.size() > sweep_at_) {
    std::erase_if(full_at_, [now](const auto& entry) { return entry.second <= now; });
    sweep_at_ = std::max(kSweepAbove, 2 * full_at_.size());  // amortised: O(1) a call
  }
  // Each event moves "full again" one interval later; the key is over its
  // limit when that would lie more than a whole burst of intervals ahead.
  auto it = full_at_.find(key);
  const int64_t full_at = std::max(it == full_at_.end() ? now : it->second, now);
  const int64_t next = full_at + rate_.interval_seconds;
  const int64_t allowance = rate_.burst * rate_.interval_seconds;
  if (next - now > allowance) return next - now - allowance;
  full_at_[key] = next;
  return 0;
}

}  // namespace dalil::security
