#include "security/password.h"

#include <sodium.h>

#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

#include "base/text.h"

namespace dalil::embedded {
// common_passwords.txt, embedded by dalil_embed (see CMakeLists.txt).
std::string_view common_passwords();
}  // namespace dalil::embedded

namespace dalil::security {
namespace {

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Code points in `s`, which must be valid UTF-8: every byte that is not a
// continuation byte (bits 10 at the top) starts one.
size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// The embedded list, lower-cased, one entry per non-empty line; lines
// starting with '#' are comments. Built once; deliberately never destroyed
// (no static destructors), and thread-safe through static initialisation.
const std::unordered_set<std::string>& CommonPasswords() {
  static const auto* const kSet = [] {
    auto* set = new std::unordered_set<std::string>;
    std::string_view text = embedded::common_passwords();
    while (!text.empty()) {
      const size_t eol = text.find('\n');
      std::string_view line = text.substr(0, eol);
      text = eol == std::string_view::npos ? std::string_view()
                                           : text.substr(eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      set->insert(AsciiLower(line));
    }
    return set;
  }();
  return *kSet;
}

// Copies of the password are wiped before their memory is freed, so that a
// later heap disclosure (a core dump, a use-after-free elsewhere) does not
// reveal it. Best effort: the caller's own copy is the caller's concern.
class WipedString {
 public:
  explicit WipedString(std::string s) : s_(std::move(s)) {}
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { sodium_memzero(s_.data(), s_.size()); }
  const std::string& get() const { return s_; }

 private:
  std::string s_;
};

bool CostInRange(HashCost cost) {
  return cost.ops >= kMinimumCost.ops && cost.mem >= kMinimumCost.mem &&
         cost.ops <= crypto_pwhash_argon2id_opslimit_max() &&
         cost.mem <= crypto_pwhash_argon2id_memlimit_max();
}

// libsodium wants a NUL-terminated hash string; nullopt if `stored_hash`
// cannot be one (too long, or holds a NUL).
std::optional<std::string> HashCString(std::string_view stored_hash) {
  if (stored_hash.size() >= crypto_pwhash_STRBYTES ||
      stored_hash.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(stored_hash);
}

// A non-null pointer for libsodium even for an empty, default-constructed
// view, whose data() may be null.
const char* DataOf(std::string_view s) { return s.empty() ? "" : s.data(); }

}  // namespace

Status CheckPasswordStrength(std::string_view password,
                             std::string_view user_name,
                             const PasswordPolicy& policy) {
  if (!IsValidUtf8(password)) {
    return Status::Invalid("password", "password is not valid UTF-8 text");
  }
  const size_t length = CodePointCount(password);
  if (length < policy.min_length) {
    return Status::Invalid("password", "password must have at least " +
                                           std::to_string(policy.min_length) +
                                           " characters");
  }
  if (length > policy.max_length) {
    return Status::Invalid("password", "password must have at most " +
                                           std::to_string(policy.max_length) +
                                           " characters");
  }
  const WipedString lowered(AsciiLower(password));
  if (!user_name.empty()) {
    const std::string name = AsciiLower(user_name);
    const bool same = lowered.get() == name;
    const bool contains =
        name.size() >= 3 && lowered.get().find(name) != std::string::npos;
    if (same || contains) {
      return Status::Invalid("password",
                             "password must not contain the user name");
    }
  }
  if (CommonPasswords().contains(lowered.get())) {
    return Status::Invalid(
        "password",
        "password is too common: it appears in lists of leaked "
        "passwords that attackers try first");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password, HashCost cost) {
  if (!SodiumReady()) {
    return Status::Internal("libsodium could not be initialised");
  }
  if (!CostInRange(cost)) {
    return Status::Internal("password hash cost is outside the accepted range");
  }
  // Argon2id named explicitly rather than through crypto_pwhash_str, whose
  // default algorithm is libsodium's choice and could change.
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, DataOf(password), password.size(),
                                 cost.ops, cost.mem) != 0) {
    // With the cost checked above, the only failure left is allocation.
    return Status::Unavailable("not enough memory to hash the password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored_hash, std::string_view password) {
  if (!SodiumReady()) return false;
  const std::optional<std::string> hash = HashCString(stored_hash);
  if (!hash) return false;
  return crypto_pwhash_str_verify(hash->c_str(), DataOf(password),
                                  password.size()) == 0;
}

bool NeedsRehash(std::string_view stored_hash, HashCost cost) {
  const std::optional<std::string> hash = HashCString(stored_hash);
  if (!hash) return true;
  // 0: Argon2id with these parameters; 1: other parameters; -1: malformed
  // or another algorithm (crypto_pwhash_str_needs_rehash would accept an
  // Argon2i hash with the same parameters).
  return crypto_pwhash_argon2id_str_needs_rehash(hash->c_str(), cost.ops,
                                                 cost.mem) != 0;
}

}  // namespace dalil::security
