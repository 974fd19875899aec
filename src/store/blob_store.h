// Content-addressed file storage for evidence (Berkeley Protocol: hash at
// intake, keep the untouched original). A blob lives at
// <dir>/<first 2 hex digits>/<sha256 hex>, named by the SHA-256 of its
// plaintext, written to a temporary file, fsynced and renamed into place, so
// a crash never leaves a partial blob under its final name.
//
// With a keyring the file holds the contents sealed with XChaCha20-Poly1305
// (docs/security.md, "Sealed files"), bound to the file's name and the key
// version; every read opens it and checks the plaintext's hash against the
// name. Without a keyring (tests, tools) files hold the plaintext. Thread
// safe.
#ifndef DALIL_STORE_BLOB_STORE_H_
#define DALIL_STORE_BLOB_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "security/keys.h"

namespace dalil::store {

// SHA-256 of `bytes` as lower-case hex.
std::string Sha256Hex(std::string_view bytes);

class BlobStore {
 public:
  explicit BlobStore(std::string dir, std::shared_ptr<security::Keyring> keyring = nullptr)
      : dir_(std::move(dir)), keyring_(std::move(keyring)) {}

  // Stores `bytes` (idempotent: an existing blob is left untouched) and
  // returns its SHA-256 hex.
  Result<std::string> Put(std::string_view bytes) const;
  // Reads a blob and checks its hash: kNotFound if absent, kCorruption if
  // the file does not open for its name or its contents no longer match it.
  Result<std::string> Get(const std::string& sha256_hex) const;

  // Key rotation. Re-seals every file not sealed with the keyring's current
  // version (plaintext files included) and returns how many it re-sealed.
  // Each file is replaced by rename, so readers see the old or the new file,
  // both readable while the keyring holds both versions.
  Result<int64_t> ResealAll() const;
  // Number of files per key version (0: plaintext).
  Result<std::map<uint32_t, int64_t>> CountByVersion() const;

  // A lock on the directory: Put holds it shared, rotation exclusive while
  // it checks that no file still needs an old key and retires that key, so
  // no file is sealed with a key being retired. Released on destruction.
  class Lock {
   public:
    Lock(Lock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Lock(const Lock&) = delete;
    ~Lock();

   private:
    friend class BlobStore;
    explicit Lock(int fd) : fd_(fd) {}
    int fd_;
  };
  Result<Lock> LockDir(bool exclusive) const;

 private:
  std::string PathFor(const std::string& sha256_hex) const;
  // Writes `stored` as the file of `hex` (temporary file, fsync, rename).
  Status WriteFile(const std::string& hex, std::string_view stored) const;
  Result<std::string> ReadFile(const std::string& hex) const;
  // Calls `fn` with the name of every blob file, stopping at an error.
  Status EachBlob(const std::function<Status(const std::string&)>& fn) const;
  std::string dir_;
  std::shared_ptr<security::Keyring> keyring_;
};

}  // namespace dalil::store

#endif  // DALIL_STORE_BLOB_STORE_H_
