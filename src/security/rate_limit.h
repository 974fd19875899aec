// Per-key rate limits: a burst at once, then a steady rate. One number per
// key, the time its next event is due (the generic cell rate algorithm), so
// a key that stays under its rate costs nothing and one that goes over is
// told exactly how long to wait. Used for reveals (docs/security.md 14,
// "Limits"); kept in memory, so a restart gives every key its burst again.
//
// Thread safety: safe for concurrent use.
#ifndef DALIL_SECURITY_RATE_LIMIT_H_
#define DALIL_SECURITY_RATE_LIMIT_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace dalil::security {

struct Rate {
  int64_t burst = 1;             // events allowed at once; at least 1
  int64_t interval_seconds = 0;  // then one more every this many seconds; 0: no limit
};

class RateLimiter {
 public:
  explicit RateLimiter(Rate rate);

  // Takes one event for `key` at `now` (seconds) and returns 0; or, when
  // the key has spent its burst and the steady rate has not yet given it
  // another event, takes nothing and returns the seconds to wait (>= 1).
  int64_t Take(int64_t key, int64_t now);

  // How many keys are remembered (those not yet back to a whole burst,
  // and idle ones not yet dropped).
  size_t keys() const;

 private:
  const Rate rate_;
  mutable std::mutex mu_;
  // Key -> when its burst is whole again. Keys whose time has passed read
  // the same as absent ones and are dropped when the map outgrows sweep_at_.
  std::unordered_map<int64_t, int64_t> full_at_;  // guarded by mu_
  size_t sweep_at_;                                // guarded by mu_
};

}  // namespace dalil::security

#endif  // DALIL_SECURITY_RATE_LIMIT_H_
