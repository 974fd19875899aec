#include "security/tokens.h"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <unordered_set>
#include <utility>

#include "base/text.h"

namespace dalil::security {
namespace {

// 32 symbols, so each is exactly 5 random bits.
constexpr std::string_view kRecoveryAlphabet =
    "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
static_assert(kRecoveryAlphabet.size() == 32);

void RequireSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
}

std::string NewRecoveryCode() {
  std::string code;
  code.reserve(19);
  for (int i = 0; i < 16; ++i) {
    if (i > 0 && i % 4 == 0) code.push_back('-');
    code.push_back(kRecoveryAlphabet[randombytes_uniform(32)]);
  }
  return code;
}

}  // namespace

std::string NewToken() {
  RequireSodium();
  std::array<unsigned char, 32> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  char out[sodium_base64_ENCODED_LEN(32, kVariant)];
  sodium_bin2base64(out, sizeof out, bytes.data(), bytes.size(), kVariant);
  sodium_memzero(bytes.data(), bytes.size());
  return std::string(out);
}

std::string TokenHash(std::string_view token) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256(digest.data(),
                     reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  return HexEncode(std::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::vector<std::string> NewRecoveryCodes(int n) {
  RequireSodium();
  std::vector<std::string> codes;
  if (n <= 0) return codes;
  codes.reserve(static_cast<size_t>(n));
  // A repeat among 2^80 codes is practically impossible, but the contract
  // says distinct, and checking costs nothing.
  std::unordered_set<std::string> seen;
  while (codes.size() < static_cast<size_t>(n)) {
    std::string code = NewRecoveryCode();
    if (seen.insert(code).second) codes.push_back(std::move(code));
  }
  return codes;
}

std::string RecoveryCodeHash(std::string_view code) {
  std::string normal;
  normal.reserve(code.size());
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    normal.push_back(c);
  }
  std::string hash = TokenHash(normal);
  sodium_memzero(normal.data(), normal.size());
  return hash;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;  // sodium_memcmp needs valid pointers
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace dalil::security
