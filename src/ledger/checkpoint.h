// Signed checkpoints of the ledger: the C2SP tlog-checkpoint body carried in
// a C2SP signed note, signed with Ed25519 (libsodium). Key and note text
// formats are those of Go's golang.org/x/mod/sumdb/note, so notes and keys
// interoperate with that package and with tools built on it.
//
// Checkpoint body (tlog-checkpoint):
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]*
// Signed note:
//   <body>\n— <key name> <base64(4-byte key ID || 64-byte signature)>\n...
// where "—" is U+2014 EM DASH, the signature is Ed25519 over the body bytes
// exactly, and key ID = the first 4 bytes (big-endian uint32) of
// SHA-256(name || "\n" || 0x01 || 32-byte public key).
//
// Nothing here throws, and every function is safe to call from any thread.
// Errors are kInvalidArgument for malformed input and kCorruption for a
// signature that does not verify.
#ifndef DALIL_LEDGER_CHECKPOINT_H_
#define DALIL_LEDGER_CHECKPOINT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/merkle.h"

namespace dalil::ledger {

// Standard base64 (RFC 4648, "+/" alphabet, with "=" padding), via
// libsodium. Decode is strict: no whitespace, padding required, non-zero
// trailing bits rejected, so every byte string has exactly one accepted
// encoding. nullopt on any malformed input.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

struct Checkpoint {
  std::string origin;  // names the log; non-empty
  uint64_t size = 0;   // number of leaves
  Hash root{};         // RFC 6962 root of those leaves
  // Optional lines after the root, without their "\n"; each non-empty.
  // Kept so that a parsed body re-encodes to the same bytes.
  std::vector<std::string> extensions;
  bool operator==(const Checkpoint&) const = default;
};

// "<origin>\n<size>\n<base64 root>\n" followed by "<line>\n" per extension.
// Does not validate; a Checkpoint from ParseCheckpointBody round-trips
// byte for byte.
std::string CheckpointBody(const Checkpoint& checkpoint);

// Strict parse of a checkpoint body. kInvalidArgument (field "checkpoint")
// naming the fault when: the text is not valid UTF-8, holds a control
// character other than "\n" or does not end in "\n"; there are fewer than 3
// lines; the origin is empty; the size is not plain decimal (no sign, no
// leading zero except "0" itself, fits in 64 bits); the root is not base64
// of exactly 32 bytes; an extension line is empty.
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// An Ed25519 signing key with its name. secret_key is libsodium's 64-byte
// form (seed || public key).
struct SigningKey {
  std::string name;
  std::array<uint8_t, 32> public_key{};
  std::array<uint8_t, 64> secret_key{};
};

// The public half: what a verifier needs.
struct Verifier {
  std::string name;
  uint32_t key_id = 0;
  std::array<uint8_t, 32> public_key{};
  bool operator==(const Verifier&) const = default;
};

// True if `name` can name a key: non-empty valid UTF-8 with no '+' and no
// whitespace (ASCII whitespace, U+0085, U+00A0, U+1680, U+2000..U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000: Go's unicode.IsSpace).
bool IsValidKeyName(std::string_view name);

// First 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || public_key).
uint32_t KeyId(std::string_view name,
               const std::array<uint8_t, 32>& public_key);

// A fresh key from libsodium's CSPRNG. kInvalidArgument (field "name") for
// a name IsValidKeyName rejects; kInternal if libsodium cannot initialise.
Result<SigningKey> GenerateSigningKey(const std::string& name);

// "PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || 32-byte seed)>".
// A secret: store it with restrictive permissions and never log it.
std::string EncodePrivateKey(const SigningKey& key);
// Inverse of EncodePrivateKey; accepts keys from Go's note.GenerateKey.
// kInvalidArgument (field "private_key") for a wrong prefix or shape, an
// invalid name, a key ID that is not 8 hex digits, bad base64, a key that is
// not 0x01 followed by 32 bytes, or a key ID that does not match the key.
Result<SigningKey> ParsePrivateKey(std::string_view text);

// "<name>+<8 hex key ID>+<base64(0x01 || 32-byte public key)>".
std::string VerifierKey(const SigningKey& key);
// The Verifier of a signing key, without a text round trip.
Verifier VerifierOf(const SigningKey& key);
// Inverse of VerifierKey; same errors as ParsePrivateKey (field
// "verifier_key").
Result<Verifier> ParseVerifierKey(std::string_view text);

// Signs `body` and returns the note: body, "\n", and one signature line.
// Precondition (asserted in debug builds): body is a valid note text, that
// is non-empty, valid UTF-8 without control characters other than "\n", and
// ends in "\n" — CheckpointBody of a valid checkpoint always is.
std::string SignNote(const SigningKey& key, std::string_view body);

// Opens a signed note and returns its checkpoint, if and only if it carries
// a valid signature by `verifier` (same name and key ID). Signatures by
// other keys are ignored but must be well-formed. The origin is NOT checked
// against anything: callers must compare it with the log they expect.
// Errors:
//   kInvalidArgument  (field "note") the note is malformed — invalid UTF-8
//                     or control characters, no blank line before the
//                     signatures, a signature line without "— ", without a
//                     valid name and base64 or shorter than 5 bytes, more
//                     than 100 signatures, two signatures by this key, or
//                     no signature by this key — or the signed body is not
//                     a valid checkpoint (ParseCheckpointBody's errors);
//   kCorruption       "signature does not verify" (also for a signature by
//                     this key that is not 64 bytes long).
Result<Checkpoint> OpenSignedCheckpoint(std::string_view note,
                                        const Verifier& verifier);

}  // namespace dalil::ledger

#endif  // DALIL_LEDGER_CHECKPOINT_H_
