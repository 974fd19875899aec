// One-time passwords for a second login factor: HOTP (RFC 4226) and TOTP
// (RFC 6238), as shown by authenticator apps, plus the base32 secrets and
// otpauth:// URIs (Google Authenticator "Key Uri Format") that enrol them.
//
// HMAC-SHA-1 is the default because it is the only algorithm every
// authenticator app supports; HMAC-SHA-1 remains sound as a MAC (the SHA-1
// collision attacks do not apply). SHA-256 and SHA-512 are offered for the
// apps that support them.
//
// Keys are raw secret bytes (decode the stored base32 secret first). Nothing
// here throws, and every function is safe to call from any thread.
#ifndef DALIL_SECURITY_TOTP_H_
#define DALIL_SECURITY_TOTP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dalil::security {

enum class Algo { kSha1, kSha256, kSha512 };

// RFC 4226 HOTP: the HMAC of the 8-byte big-endian counter, dynamically
// truncated to 31 bits, as exactly `digits` decimal digits (zero-padded).
// `digits` must be 6, 7 or 8 (RFC 4226 section 5.3); otherwise returns "".
std::string Hotp(std::string_view key, uint64_t counter, int digits = 6,
                 Algo algo = Algo::kSha1);

// The TOTP time step of `unix_time`: floor(unix_time / period), T0 = 0.
// `period` must be positive.
int64_t TotpStep(int64_t unix_time, int period = 30);

// RFC 6238 TOTP: Hotp(key, TotpStep(unix_time, period), digits, algo).
// Returns "" if `digits` is not 6..8, `period` is not positive or
// `unix_time` is negative.
std::string Totp(std::string_view key, int64_t unix_time, int digits = 6,
                 int period = 30, Algo algo = Algo::kSha1);

// The parameters shared by a secret's enrolment and its verification.
struct TotpOptions {
  int digits = 6;
  int period = 30;  // seconds
  Algo algo = Algo::kSha1;
};

// True if `code` is the TOTP of `key` for a time step within
// `allowed_drift_steps` (0..10) of the step of `unix_time`, to tolerate clock
// skew and typing time, and that step is later than `last_used_step`.
// Replay prevention is the caller's job with the help of this function:
// store the step written to `*matched_step` (if not null; set only when the
// result is true) and pass it back as `last_used_step` next time, so a code,
// or an earlier one, cannot be used twice. `code` must be exactly `digits`
// ASCII digits, and the options must be ones Totp accepts; otherwise false.
// Every step in the window is computed and compared in constant time, so
// timing does not reveal which step matched. When several steps match (a
// chance collision), the earliest is taken, so the fewest future codes are
// used up.
bool VerifyTotp(std::string_view key, std::string_view code, int64_t unix_time,
                std::optional<int64_t> last_used_step,
                std::optional<int64_t>* matched_step,
                int allowed_drift_steps = 1, const TotpOptions& options = {});

// RFC 4648 base32 ("A".."Z", "2".."7"), without "=" padding. Decode is
// strict, so each byte string has exactly one accepted text: upper case
// only, no padding, no whitespace, no length that cannot occur (8n+1, 8n+3,
// 8n+6) and no non-zero unused trailing bits; nullopt otherwise.
std::string Base32Encode(std::string_view bytes);
std::optional<std::string> Base32Decode(std::string_view text);

// A new secret: 20 bytes (160 bits, RFC 4226's recommended length for
// HMAC-SHA-1) from libsodium's CSPRNG, base32-encoded (32 characters).
// Aborts if libsodium cannot initialise, since there is no safe fallback
// source of randomness.
std::string NewTotpSecret();

// "otpauth://totp/<issuer>:<account>?secret=<secret>&issuer=<issuer>
//  &algorithm=SHA1&digits=6&period=30" (one line), with issuer and account
// percent-encoded (every byte except RFC 3986 unreserved characters), for a
// QR code. kInvalidArgument when issuer ("issuer") or account ("account") is
// empty, not valid UTF-8 or contains ':' (apps split the label at the first
// ':', some after decoding); when the secret ("secret") is not valid base32
// per Base32Decode or shorter than 16 bytes (RFC 4226 requires at least 128
// bits); or when the options ("options") are not ones Totp accepts.
Result<std::string> TotpUri(std::string_view issuer, std::string_view account,
                            std::string_view base32_secret,
                            const TotpOptions& options = {});

}  // namespace dalil::security

#endif  // DALIL_SECURITY_TOTP_H_
