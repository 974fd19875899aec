#include "ledger/checkpoint.h"

#include <sodium.h>

#include <cassert>
#include <cstdio>
#include <cstring>

#include "base/text.h"

namespace dalil::ledger {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014, space
constexpr int kMaxSignatures = 100;  // as Go's note.Open

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// Code points of a string already checked to be valid UTF-8.
template <typename F>
void ForEachCodePoint(std::string_view s, F f) {
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    if (lead < 0x80) {
      cp = lead;
      len = 1;
    } else if (lead < 0xE0) {
      cp = lead & 0x1F;
      len = 2;
    } else if (lead < 0xF0) {
      cp = lead & 0x0F;
      len = 3;
    } else {
      cp = lead & 0x07;
      len = 4;
    }
    for (size_t j = 1; j < len && i + j < s.size(); ++j) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
    }
    f(cp);
    i += len;
  }
}

// Go's unicode.IsSpace.
bool IsUnicodeSpace(uint32_t cp) {
  switch (cp) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// "" if `text` is a valid note text, else what is wrong with it.
std::string NoteTextProblem(std::string_view text, std::string_view what) {
  if (text.empty()) return std::string(what) + " is empty";
  if (!IsValidUtf8(text)) return std::string(what) + " is not valid UTF-8";
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\n') {
      return std::string(what) + " has control character " +
             std::to_string(c) + " at byte " + std::to_string(i);
    }
  }
  if (text.back() != '\n') return std::string(what) + " does not end in a newline";
  return {};
}

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

std::optional<uint32_t> ParseHex8(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | d;
  }
  return v;
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::string_view Bytes(const uint8_t* p, size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

// The parts of "<name>+<8 hex>+<base64>" shared by both key formats; the
// base64 part may itself hold '+', so only the first two '+' split.
struct KeyText {
  std::string name;
  uint32_t key_id;
  std::string key;  // decoded, algorithm byte stripped; 32 bytes
};

Result<KeyText> ParseKeyText(std::string_view text, const std::string& field,
                             const char* what) {
  const size_t p1 = text.find('+');
  const size_t p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return Status::Invalid(field, std::string(what) +
                                      " is not <name>+<key id>+<base64 key>");
  }
  KeyText out;
  out.name = std::string(text.substr(0, p1));
  if (!IsValidKeyName(out.name)) {
    return Status::Invalid(field, std::string(what) + " has an invalid key name");
  }
  std::optional<uint32_t> id = ParseHex8(text.substr(p1 + 1, p2 - p1 - 1));
  if (!id) {
    return Status::Invalid(field, std::string(what) +
                                      " key ID is not 8 hex digits");
  }
  out.key_id = *id;
  std::optional<std::string> key = Base64Decode(text.substr(p2 + 1));
  if (!key) {
    return Status::Invalid(field, std::string(what) + " key is not valid base64");
  }
  if (key->size() != 33 || static_cast<uint8_t>((*key)[0]) != kAlgEd25519) {
    sodium_memzero(key->data(), key->size());
    return Status::Invalid(field, std::string(what) +
                                      " is not an Ed25519 key (0x01 and 32 "
                                      "bytes)");
  }
  out.key = key->substr(1);
  sodium_memzero(key->data(), key->size());
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  const size_t encoded_len =
      sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(encoded_len, '\0');  // includes the terminating NUL
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(encoded_len - 1);
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.empty()) return std::string();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  // With b64_end null, libsodium rejects trailing or invalid characters;
  // the ORIGINAL variant requires exact padding and zero trailing bits.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), text.data(), text.size(),
                        /*ignore=*/nullptr, &len, /*b64_end=*/nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string CheckpointBody(const Checkpoint& checkpoint) {
  std::string body = checkpoint.origin;
  body += '\n';
  body += std::to_string(checkpoint.size);
  body += '\n';
  body += Base64Encode(Bytes(checkpoint.root.data(), checkpoint.root.size()));
  body += '\n';
  for (const std::string& line : checkpoint.extensions) {
    body += line;
    body += '\n';
  }
  return body;
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  const std::string field = "checkpoint";
  if (std::string problem = NoteTextProblem(body, "checkpoint");
      !problem.empty()) {
    return Status::Invalid(field, problem);
  }
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < body.size();) {
    const size_t nl = body.find('\n', start);  // found: body ends in '\n'
    lines.push_back(body.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.size() < 3) {
    return Status::Invalid(field, "checkpoint has " +
                                      std::to_string(lines.size()) +
                                      " lines, needs origin, size and root");
  }
  Checkpoint cp;
  if (lines[0].empty()) return Status::Invalid(field, "checkpoint origin is empty");
  cp.origin = std::string(lines[0]);
  std::optional<uint64_t> size = ParseDecimal(lines[1]);
  if (!size) {
    return Status::Invalid(field, "checkpoint size is not a decimal number "
                                  "without leading zeros that fits in 64 bits");
  }
  cp.size = *size;
  std::optional<std::string> root = Base64Decode(lines[2]);
  if (!root) return Status::Invalid(field, "checkpoint root is not valid base64");
  if (root->size() != cp.root.size()) {
    return Status::Invalid(field, "checkpoint root is " +
                                      std::to_string(root->size()) +
                                      " bytes, want 32");
  }
  std::memcpy(cp.root.data(), root->data(), cp.root.size());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return Status::Invalid(field, "checkpoint extension line " +
                                        std::to_string(i - 2) + " is empty");
    }
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || !IsValidUtf8(name)) return false;
  if (name.find('+') != std::string_view::npos) return false;
  bool has_space = false;
  ForEachCodePoint(name, [&](uint32_t cp) { has_space |= IsUnicodeSpace(cp); });
  return !has_space;
}

uint32_t KeyId(std::string_view name,
               const std::array<uint8_t, 32>& public_key) {
  std::string input(name);
  input += '\n';
  input += static_cast<char>(kAlgEd25519);
  input += Bytes(public_key.data(), public_key.size());
  const Hash h = Sha256(input);
  return (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) |
         (uint32_t{h[2]} << 8) | uint32_t{h[3]};
}

Result<SigningKey> GenerateSigningKey(const std::string& name) {
  if (!IsValidKeyName(name)) {
    return Status::Invalid("name",
                           "key name must be non-empty UTF-8 without '+' or "
                           "whitespace");
  }
  if (!SodiumReady()) return Status::Internal("cannot initialise libsodium");
  SigningKey key;
  key.name = name;
  crypto_sign_keypair(key.public_key.data(), key.secret_key.data());
  return key;
}

std::string EncodePrivateKey(const SigningKey& key) {
  std::string raw(1, static_cast<char>(kAlgEd25519));
  raw += Bytes(key.secret_key.data(), crypto_sign_SEEDBYTES);
  std::string out = std::string(kPrivatePrefix) + key.name + "+" +
                    Hex8(KeyId(key.name, key.public_key)) + "+" +
                    Base64Encode(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

Result<SigningKey> ParsePrivateKey(std::string_view text) {
  const std::string field = "private_key";
  if (!text.starts_with(kPrivatePrefix)) {
    return Status::Invalid(field, "private key does not start with PRIVATE+KEY+");
  }
  DALIL_ASSIGN_OR_RETURN(
      KeyText parts,
      ParseKeyText(text.substr(kPrivatePrefix.size()), field, "private key"));
  if (!SodiumReady()) return Status::Internal("cannot initialise libsodium");
  SigningKey key;
  key.name = std::move(parts.name);
  crypto_sign_seed_keypair(key.public_key.data(), key.secret_key.data(),
                           reinterpret_cast<const unsigned char*>(parts.key.data()));
  sodium_memzero(parts.key.data(), parts.key.size());
  if (KeyId(key.name, key.public_key) != parts.key_id) {
    return Status::Invalid(field, "private key ID does not match the key");
  }
  return key;
}

std::string VerifierKey(const SigningKey& key) {
  std::string raw(1, static_cast<char>(kAlgEd25519));
  raw += Bytes(key.public_key.data(), key.public_key.size());
  return key.name + "+" + Hex8(KeyId(key.name, key.public_key)) + "+" +
         Base64Encode(raw);
}

Verifier VerifierOf(const SigningKey& key) {
  return Verifier{key.name, KeyId(key.name, key.public_key), key.public_key};
}

Result<Verifier> ParseVerifierKey(std::string_view text) {
  const std::string field = "verifier_key";
  DALIL_ASSIGN_OR_RETURN(KeyText parts,
                         ParseKeyText(text, field, "verifier key"));
  Verifier v;
  v.name = std::move(parts.name);
  v.key_id = parts.key_id;
  std::memcpy(v.public_key.data(), parts.key.data(), v.public_key.size());
  if (KeyId(v.name, v.public_key) != v.key_id) {
    return Status::Invalid(field, "verifier key ID does not match the key");
  }
  return v;
}

std::string SignNote(const SigningKey& key, std::string_view body) {
  assert(NoteTextProblem(body, "note text").empty());
  static_cast<void>(SodiumReady());  // signing works even if this failed
  std::string sig(4 + crypto_sign_BYTES, '\0');
  const uint32_t id = KeyId(key.name, key.public_key);
  for (int i = 0; i < 4; ++i) sig[i] = static_cast<char>(id >> (24 - 8 * i));
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data() + 4),
                       /*siglen_p=*/nullptr,
                       reinterpret_cast<const unsigned char*>(body.data()),
                       body.size(), key.secret_key.data());
  std::string note(body);
  note += '\n';
  note += kSigPrefix;
  note += key.name;
  note += ' ';
  note += Base64Encode(sig);
  note += '\n';
  return note;
}

Result<Checkpoint> OpenSignedCheckpoint(std::string_view note,
                                        const Verifier& verifier) {
  const std::string field = "note";
  if (std::string problem = NoteTextProblem(note, "note"); !problem.empty()) {
    return Status::Invalid(field, problem);
  }
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Status::Invalid(field, "note has no blank line before its signatures");
  }
  const std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Status::Invalid(field, "note has no signature lines");

  std::optional<std::string> ours;  // 64-byte signature by `verifier`
  int line_no = 0;
  while (!sigs.empty()) {
    const size_t nl = sigs.find('\n');  // found: the note ends in '\n'
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    const std::string where = "signature line " + std::to_string(++line_no);
    if (line_no > kMaxSignatures) {
      return Status::Invalid(field, "note has more than " +
                                        std::to_string(kMaxSignatures) +
                                        " signatures");
    }
    if (!line.starts_with(kSigPrefix)) {
      return Status::Invalid(field, where + " does not start with \"\xE2\x80\x94 \"");
    }
    line.remove_prefix(kSigPrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return Status::Invalid(field, where + " has no space between key name "
                                            "and signature");
    }
    const std::string_view name = line.substr(0, space);
    if (!IsValidKeyName(name)) {
      return Status::Invalid(field, where + " has an invalid key name");
    }
    std::optional<std::string> sig = Base64Decode(line.substr(space + 1));
    if (!sig) return Status::Invalid(field, where + " has bad base64");
    if (sig->size() < 5) {
      return Status::Invalid(field, where + " is too short for a key ID and "
                                            "signature");
    }
    const uint32_t id = (uint32_t{static_cast<uint8_t>((*sig)[0])} << 24) |
                        (uint32_t{static_cast<uint8_t>((*sig)[1])} << 16) |
                        (uint32_t{static_cast<uint8_t>((*sig)[2])} << 8) |
                        uint32_t{static_cast<uint8_t>((*sig)[3])};
    if (name != verifier.name || id != verifier.key_id) continue;
    if (ours) {
      return Status::Invalid(field, "note has two signatures by key " +
                                        verifier.name + "+" + Hex8(id));
    }
    ours = sig->substr(4);
  }
  if (!ours) {
    return Status::Invalid(field, "note has no signature by key " +
                                      verifier.name + "+" +
                                      Hex8(verifier.key_id));
  }
  if (!SodiumReady()) return Status::Internal("cannot initialise libsodium");
  if (ours->size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(ours->data()),
          reinterpret_cast<const unsigned char*>(text.data()), text.size(),
          verifier.public_key.data()) != 0) {
    return Status::Corruption("signature does not verify");
  }
  return ParseCheckpointBody(text);
}

}  // namespace dalil::ledger
