#include "security/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>
#include <cassert>
#include <climits>
#include <cstdlib>

#include "base/text.h"

namespace dalil::security {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr int kMaxDrift = 10;
// RFC 4226 R6: the shared secret must be at least 128 bits.
constexpr size_t kMinSecretBytes = 16;

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

bool ValidDigits(int digits) { return digits >= 6 && digits <= 8; }

bool ValidOptions(const TotpOptions& o) {
  return ValidDigits(o.digits) && o.period > 0 &&
         (o.algo == Algo::kSha1 || o.algo == Algo::kSha256 ||
          o.algo == Algo::kSha512);
}

// HMAC of `msg` under `key`, written to `out`; returns the MAC length, or 0
// on failure. SHA-1 comes from OpenSSL because libsodium has no SHA-1.
size_t Hmac(Algo algo, std::string_view key, const uint8_t* msg, size_t msg_len,
            std::array<uint8_t, 64>& out) {
  const auto* k = reinterpret_cast<const uint8_t*>(key.data());
  switch (algo) {
    case Algo::kSha1: {
      if (key.size() > static_cast<size_t>(INT_MAX)) return 0;
      unsigned int len = 0;
      // HMAC() wants a non-null key pointer even for an empty key.
      static constexpr uint8_t kEmpty = 0;
      if (HMAC(EVP_sha1(), key.empty() ? &kEmpty : k,
               static_cast<int>(key.size()), msg, msg_len, out.data(),
               &len) == nullptr) {
        return 0;
      }
      return len;
    }
    case Algo::kSha256: {
      crypto_auth_hmacsha256_state st;
      crypto_auth_hmacsha256_init(&st, k, key.size());
      crypto_auth_hmacsha256_update(&st, msg, msg_len);
      crypto_auth_hmacsha256_final(&st, out.data());
      sodium_memzero(&st, sizeof st);  // holds key-derived state
      return crypto_auth_hmacsha256_BYTES;
    }
    case Algo::kSha512: {
      crypto_auth_hmacsha512_state st;
      crypto_auth_hmacsha512_init(&st, k, key.size());
      crypto_auth_hmacsha512_update(&st, msg, msg_len);
      crypto_auth_hmacsha512_final(&st, out.data());
      sodium_memzero(&st, sizeof st);
      return crypto_auth_hmacsha512_BYTES;
    }
  }
  return 0;
}

// Percent-encodes every byte except RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
        (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' ||
        b == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  return out;
}

std::string_view AlgoName(Algo algo) {
  switch (algo) {
    case Algo::kSha1:
      return "SHA1";
    case Algo::kSha256:
      return "SHA256";
    case Algo::kSha512:
      return "SHA512";
  }
  return "";
}

Status CheckLabelPart(std::string_view value, const char* field) {
  if (value.empty() || !IsValidUtf8(value) ||
      value.find(':') != std::string_view::npos) {
    return Status::Invalid(field, std::string(field) +
                                      " must be non-empty UTF-8 text "
                                      "without ':'");
  }
  return Status::Ok();
}

}  // namespace

std::string Hotp(std::string_view key, uint64_t counter, int digits,
                 Algo algo) {
  if (!ValidDigits(digits)) return "";
  std::array<uint8_t, 8> msg;
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<uint8_t>(counter & 0xFF);
    counter >>= 8;
  }
  std::array<uint8_t, 64> mac;
  const size_t len = Hmac(algo, key, msg.data(), msg.size(), mac);
  if (len == 0) return "";
  // RFC 4226 section 5.3, dynamic truncation: the low 4 bits of the last
  // byte pick the offset of 4 bytes, read big-endian without the top bit.
  const size_t offset = mac[len - 1] & 0x0F;
  const uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7F) << 24) |
                       (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                       (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                       static_cast<uint32_t>(mac[offset + 3]);
  sodium_memzero(mac.data(), mac.size());
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  uint32_t value = bin % modulus;
  std::string code(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    code[static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return code;
}

int64_t TotpStep(int64_t unix_time, int period) {
  assert(period > 0);
  int64_t step = unix_time / period;
  if (unix_time % period != 0 && unix_time < 0) --step;  // floor, not trunc
  return step;
}

std::string Totp(std::string_view key, int64_t unix_time, int digits,
                 int period, Algo algo) {
  if (!ValidDigits(digits) || period <= 0 || unix_time < 0) return "";
  return Hotp(key, static_cast<uint64_t>(TotpStep(unix_time, period)), digits,
              algo);
}

bool VerifyTotp(std::string_view key, std::string_view code, int64_t unix_time,
                std::optional<int64_t> last_used_step,
                std::optional<int64_t>* matched_step, int allowed_drift_steps,
                const TotpOptions& options) {
  if (!ValidOptions(options) || allowed_drift_steps < 0 ||
      allowed_drift_steps > kMaxDrift ||
      code.size() != static_cast<size_t>(options.digits)) {
    return false;
  }
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  const int64_t now = TotpStep(unix_time, options.period);
  std::optional<int64_t> found;
  for (int64_t d = -allowed_drift_steps; d <= allowed_drift_steps; ++d) {
    int64_t step;
    if (__builtin_add_overflow(now, d, &step)) continue;
    // Steps before the epoch have no code; steps not after the last used
    // one are replays (or older than one).
    if (step < 0 || (last_used_step && step <= *last_used_step)) continue;
    const std::string expected =
        Hotp(key, static_cast<uint64_t>(step), options.digits, options.algo);
    if (expected.size() != code.size()) continue;  // HMAC failure
    const bool match =
        sodium_memcmp(expected.data(), code.data(), code.size()) == 0;
    if (match && !found) found = step;
  }
  if (!found) return false;
  if (matched_step != nullptr) *matched_step = found;
  return true;
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1F]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1F]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  const size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    uint32_t v;
    if (c >= 'A' && c <= 'Z') {
      v = static_cast<uint32_t>(c - 'A');
    } else if (c >= '2' && c <= '7') {
      v = static_cast<uint32_t>(c - '2' + 26);
    } else {
      return std::nullopt;
    }
    buffer = ((buffer << 5) | v) & 0xFFF;  // at most 12 bits are ever pending
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // The leftover bits only pad the last character; they must be zero.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string NewTotpSecret() {
  if (!SodiumReady()) std::abort();
  std::array<uint8_t, 20> secret;
  randombytes_buf(secret.data(), secret.size());
  std::string out = Base32Encode(std::string_view(
      reinterpret_cast<const char*>(secret.data()), secret.size()));
  sodium_memzero(secret.data(), secret.size());
  return out;
}

Result<std::string> TotpUri(std::string_view issuer, std::string_view account,
                            std::string_view base32_secret,
                            const TotpOptions& options) {
  DALIL_RETURN_IF_ERROR(CheckLabelPart(issuer, "issuer"));
  DALIL_RETURN_IF_ERROR(CheckLabelPart(account, "account"));
  std::optional<std::string> secret = Base32Decode(base32_secret);
  const bool secret_ok = secret && secret->size() >= kMinSecretBytes;
  if (secret) sodium_memzero(secret->data(), secret->size());
  if (!secret_ok) {
    return Status::Invalid("secret",
                           "secret must be base32 of at least 16 bytes");
  }
  if (!ValidOptions(options)) {
    return Status::Invalid("options",
                           "digits must be 6 to 8 and period positive");
  }
  const std::string enc_issuer = PercentEncode(issuer);
  std::string uri = "otpauth://totp/";
  uri += enc_issuer;
  uri += ':';
  uri += PercentEncode(account);
  uri += "?secret=";
  uri += base32_secret;
  uri += "&issuer=";
  uri += enc_issuer;
  uri += "&algorithm=";
  uri += AlgoName(options.algo);
  uri += "&digits=";
  uri += std::to_string(options.digits);
  uri += "&period=";
  uri += std::to_string(options.period);
  return uri;
}

}  // namespace dalil::security
