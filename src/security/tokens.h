// Random bearer secrets: session and API tokens, and the one-time recovery
// codes that stand in for a lost second factor.
//
// Only hashes of these secrets are stored (TokenHash, RecoveryCodeHash), so
// a copy of the database does not let anyone log in. A plain SHA-256 is
// enough here, unlike for passwords: the secrets are uniformly random with
// 80 or more bits of entropy, so there is nothing to guess faster than by
// brute force over the whole space.
//
// The generators abort if libsodium cannot initialise, since there is no
// safe fallback source of randomness. Nothing here throws, and every
// function is safe to call from any thread.
#ifndef DALIL_SECURITY_TOKENS_H_
#define DALIL_SECURITY_TOKENS_H_

#include <string>
#include <string_view>
#include <vector>

namespace dalil::security {

// 32 bytes (256 bits) from libsodium's CSPRNG as URL-safe base64 ("-_"
// alphabet) without padding: 43 characters, safe in URLs, cookies and
// headers without escaping.
std::string NewToken();

// Lower-case hex SHA-256 of the token text (64 characters): the form to
// store and to look tokens up by.
std::string TokenHash(std::string_view token);

// `n` (>= 0) distinct recovery codes, each 4 groups of 4 characters joined
// by '-' ("7KQF-M2XR-9TNB-H4WC"): 16 characters from the 32 upper-case
// letters and digits other than 0, O, 1 and I, the pairs people misread,
// i.e. 80 random bits per code.
std::vector<std::string> NewRecoveryCodes(int n = 10);

// The hash to store for a recovery code: TokenHash of the code with what a
// user may type differently normalised away, ASCII letters upper-cased and
// '-' and spaces removed, so "7kqf m2xr-9tnb-h4wc" and "7KQFM2XR9TNBH4WC"
// hash as "7KQF-M2XR-9TNB-H4WC" does.
std::string RecoveryCodeHash(std::string_view code);

// True if `a` and `b` are equal, in time that depends only on their lengths
// (libsodium's sodium_memcmp), for comparing secrets.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace dalil::security

#endif  // DALIL_SECURITY_TOKENS_H_
