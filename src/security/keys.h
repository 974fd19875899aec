// Keys for encryption at rest (docs/security.md, "Sensitive data at rest").
//
// A master key, read from a key file or derived from a passphrase with
// Argon2id, wraps the data keys; data keys seal values with
// XChaCha20-Poly1305. Every sealed value names the data key version it was
// sealed with, so several versions can be in use at once while
// `dalil keys rotate` re-encrypts. The byte formats are in docs/security.md.
//
// Keys live in memory allocated by libsodium (guard pages, locked against
// swapping, wiped when freed). No message returned from here contains key
// material, a passphrase or a plaintext value.
#ifndef DALIL_SECURITY_KEYS_H_
#define DALIL_SECURITY_KEYS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dalil::security {

inline constexpr size_t kKeyBytes = 32;

// A 32-byte secret key in guarded memory. Move-only.
class SecretKey {
 public:
  // A fresh random key.
  static SecretKey Random();
  // Copies exactly kKeyBytes bytes; kInvalidArgument otherwise.
  static Result<SecretKey> FromBytes(std::string_view bytes);

  SecretKey(SecretKey&&) noexcept = default;
  SecretKey& operator=(SecretKey&&) noexcept = default;
  const unsigned char* data() const { return bytes_.get(); }

 private:
  struct Free {
    void operator()(unsigned char* p) const;
  };
  SecretKey();
  std::unique_ptr<unsigned char, Free> bytes_;
};

// --- The master key ---------------------------------------------------------

// Reads a master key file ("dalil-master-key-v1 <64 hex digits>\n").
// Errors: kNotFound if the file is missing, kPermissionDenied if group or
// others may read or write it (chmod 600), kInvalidArgument if it is not a
// master key file. Messages name the path, never the contents.
Result<SecretKey> ReadMasterKeyFile(const std::string& path);
// Creates `path` (mode 0600, refusing to overwrite) holding a new random
// master key, and returns the key.
Result<SecretKey> CreateMasterKeyFile(const std::string& path);

// Argon2id parameters for deriving a master key from a passphrase.
struct KdfParams {
  std::string salt;  // 16 random bytes
  uint64_t ops = 3;
  uint64_t mem = uint64_t{256} << 20;  // 256 MiB: done once per process start
};
KdfParams NewKdfParams();
// The master key derived from `passphrase`. kInvalidArgument for an empty
// passphrase or bad parameters; kUnavailable if memory is short.
Result<SecretKey> DeriveMasterKey(std::string_view passphrase, const KdfParams& params);

// --- Sealed values ------------------------------------------------------------

// The key version a sealed value (field or file) records, or 0 if `stored`
// is not a sealed value at all (plaintext from before encryption).
uint32_t SealedVersion(std::string_view stored);
// Magic bytes of sealed field values and sealed files.
inline constexpr std::string_view kFieldMagic{"\0DF1", 4};
inline constexpr std::string_view kFileMagic{"\0DB1", 4};

// The data keys of one database, unwrapped, and the master key that wraps
// them. Thread safe.
class Keyring {
 public:
  explicit Keyring(SecretKey master) : master_(std::move(master)) {}

  // A check value that opens only under this master key, stored beside the
  // wrapped data keys so a wrong key is told apart from a damaged one.
  std::string MasterCheck() const;
  bool MatchesMasterCheck(std::string_view check) const;

  // Seals `data_key` as data key `version` under the master key.
  std::string Wrap(uint32_t version, const SecretKey& data_key) const;
  // Data key `version` wrapped under `other`'s master key (to replace the
  // master key). kNotFound if this keyring does not hold that version.
  Result<std::string> WrapUnder(const Keyring& other, uint32_t version) const;
  // Unwraps and adds a data key (no-op if the version is known).
  // kCorruption if it does not open under the master key.
  Status AddWrapped(uint32_t version, std::string_view wrapped);
  void Add(uint32_t version, SecretKey data_key);
  // Version used by Seal from now on; must have been added.
  void SetCurrent(uint32_t version);
  uint32_t current() const;
  bool Has(uint32_t version) const;

  // Called (serialised) when Open meets a version it does not hold, or when
  // Refresh is asked for: it should add the database's data keys and set the
  // current version. Installed by the store that owns the keys.
  void SetReloader(std::function<Status(Keyring&)> reloader);
  Status Refresh();

  // Seals `plaintext` with the current data key. `magic` is kFieldMagic or
  // kFileMagic; `context` is bound as associated data together with the key
  // version, so the value opens only with the same context.
  // Result: magic (4) | version (u32 BE) | nonce (24) | ciphertext | tag (16).
  Result<std::string> Seal(std::string_view magic, std::string_view context,
                           std::string_view plaintext) const;
  // The inverse. kCorruption (message without any value) when the bytes are
  // not a sealed value, name an unknown key version, or fail authentication
  // for `context` (altered, or moved from another place).
  Result<std::string> Open(std::string_view magic, std::string_view context,
                           std::string_view stored);

 private:
  const unsigned char* Find(uint32_t version) const;

  SecretKey master_;
  mutable std::shared_mutex mu_;
  std::map<uint32_t, SecretKey> keys_;
  uint32_t current_ = 0;
  std::mutex reload_mu_;
  std::function<Status(Keyring&)> reloader_;
};

}  // namespace dalil::security

#endif  // DALIL_SECURITY_KEYS_H_
