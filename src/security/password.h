// Password rules and storage: a strength check for new passwords and
// Argon2id hashing (libsodium's crypto_pwhash) for stored ones.
//
// Only the encoded hash is ever stored. It is self-describing
// ("$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>"), so the cost can be raised
// later: after a successful VerifyPassword, check NeedsRehash and, if true,
// store HashPassword of the password just verified.
//
// Nothing here throws or logs, no error message ever contains the password,
// and every function is safe to call from any thread.
#ifndef DALIL_SECURITY_PASSWORD_H_
#define DALIL_SECURITY_PASSWORD_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dalil::security {

// Lengths are in Unicode code points, not bytes, so that a password in
// Arabic script is held to the same rule as one in Latin script.
struct PasswordPolicy {
  // Above NIST SP 800-63B's floor of 8: length is what makes a password
  // hard to guess, and 12 still fits a memorable passphrase.
  size_t min_length = 12;
  // Bounds the work an attacker can make the server do per login attempt
  // (hashing cost grows with input) while allowing long passphrases.
  size_t max_length = 1024;
};

// OK if `password` may be chosen by the user `user_name`. Otherwise
// kInvalidArgument (field "password") with a message saying which rule
// failed:
//   - not valid UTF-8;
//   - fewer than policy.min_length or more than policy.max_length code
//     points;
//   - equal to, or containing, `user_name`, compared ignoring ASCII case
//     (containment is checked only for user names of 3 bytes or more, since
//     nearly every password contains some 1- or 2-letter name; an empty
//     user name is not checked at all);
//   - in the built-in list of common passwords (common_passwords.txt),
//     compared ignoring ASCII case.
// The messages never repeat the password or the user name.
Status CheckPasswordStrength(std::string_view password,
                             std::string_view user_name,
                             const PasswordPolicy& policy = {});

// Argon2id cost: `ops` passes over `mem` bytes (one lane, as libsodium does).
struct HashCost {
  unsigned long long ops;
  size_t mem;
};

// The cost of new hashes: 3 passes over 64 MiB, RFC 9106's second
// recommended Argon2id setting (section 4, for when 2 GiB per hash is too
// much; it has 4 lanes, libsodium always uses 1), and well above OWASP's
// minimum. It costs about 0.1 s of one core and
// 64 MiB of RAM per hash or verification, so concurrent logins are bounded
// by memory: the HTTP layer should limit them.
inline constexpr HashCost kDefaultCost = {3, size_t{64} << 20};

// OWASP's minimum for Argon2id (Password Storage Cheat Sheet: m = 19 MiB,
// t = 2, p = 1), the cheapest cost HashPassword accepts. For tests, and for
// nothing else.
inline constexpr HashCost kMinimumCost = {2, size_t{19} << 20};
inline constexpr HashCost kTestCost = kMinimumCost;

// The encoded Argon2id hash of `password` with a fresh random salt: an ASCII
// string shorter than 128 bytes. The password is not checked against any
// policy (callers check new passwords with CheckPasswordStrength first).
// Errors: kInternal if `cost` is below kMinimumCost or above libsodium's
// limits, or if libsodium cannot initialise; kUnavailable if the memory for
// the hash cannot be allocated.
Result<std::string> HashPassword(std::string_view password,
                                 HashCost cost = kDefaultCost);

// True if `password` matches `stored_hash` (an encoded hash from
// HashPassword, at any cost). False for a wrong password and for a
// malformed hash. The comparison is constant time (libsodium).
// To avoid revealing which user names exist, callers should spend the same
// time on a login for an unknown user, e.g. by verifying against a hash of
// a random password.
bool VerifyPassword(std::string_view stored_hash, std::string_view password);

// True if `stored_hash` was not made by HashPassword with exactly `cost`
// (other parameters or another algorithm), or is malformed.
bool NeedsRehash(std::string_view stored_hash, HashCost cost = kDefaultCost);

}  // namespace dalil::security

#endif  // DALIL_SECURITY_PASSWORD_H_
