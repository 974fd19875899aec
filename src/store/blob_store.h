// Content-addressed file storage for evidence (Berkeley Protocol: hash at
// intake, keep the untouched original). A blob lives at
// <dir>/<first 2 hex digits>/<sha256 hex>, written to a temporary file,
// fsynced and renamed into place, so a crash never leaves a partial blob
// under its final name. Thread safe.
#ifndef DALIL_STORE_BLOB_STORE_H_
#define DALIL_STORE_BLOB_STORE_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace dalil::store {

// SHA-256 of `bytes` as lower-case hex.
std::string Sha256Hex(std::string_view bytes);

class BlobStore {
 public:
  explicit BlobStore(std::string dir) : dir_(std::move(dir)) {}

  // Stores `bytes` (idempotent: an existing blob is left untouched) and
  // returns its SHA-256 hex.
  Result<std::string> Put(std::string_view bytes) const;
  // Reads a blob and checks its hash: kNotFound if absent, kCorruption if
  // the bytes on disk no longer match their name.
  Result<std::string> Get(const std::string& sha256_hex) const;

 private:
  std::string PathFor(const std::string& sha256_hex) const;
  std::string dir_;
};

}  // namespace dalil::store

#endif  // DALIL_STORE_BLOB_STORE_H_
