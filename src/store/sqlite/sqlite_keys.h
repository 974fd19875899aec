// The data keys of an SQLite database (tables data_keys and key_settings,
// migration 0007): checking the master key, loading and creating data keys,
// re-sealing every sensitive value under a new key (`dalil keys rotate`),
// and counting values per key version (`dalil keys status`).
// docs/security.md describes the scheme.
#ifndef DALIL_STORE_SQLITE_SQLITE_KEYS_H_
#define DALIL_STORE_SQLITE_SQLITE_KEYS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/text.h"
#include "security/keys.h"
#include "store/blob_store.h"

namespace dalil::sqlite {
class Database;
}

namespace dalil::store {

// How a database's master key is obtained, as the database records it.
enum class MasterKind { kNone, kFile, kPassphrase };

struct MasterKeyInfo {
  MasterKind kind = MasterKind::kNone;  // kNone: no keys yet (new database)
  security::KdfParams kdf;              // kPassphrase: how to derive the key
};

// Reads what the database at `path` records about its master key, without
// changing anything. kNotFound if there is no such database file.
Result<MasterKeyInfo> ReadMasterKeyInfo(const std::string& path);

struct RotateOptions {
  int batch_rows = 200;  // rows re-sealed per (short) write transaction
  const BlobStore* blobs = nullptr;  // the evidence files to re-seal too
  std::function<void(const std::string&)> progress;  // one line per step
  const Clock* clock = Clock::System();
};

struct RotateReport {
  uint32_t new_version = 0;
  std::vector<uint32_t> retired;  // versions deleted at the end
  int64_t values = 0;             // sensitive values re-sealed
  int64_t files = 0;              // evidence files re-sealed
};

// Adds a data key version, makes it current (every writer seals with it from
// its next transaction), re-seals every sensitive value and evidence file in
// batches of short transactions while readers and writers go on, then, in
// one transaction that checks no value needs an older key, deletes the older
// keys. `keyring` must hold the database's keys (the store opened with it).
// If interrupted, run again: values already re-sealed are skipped and the
// old keys stay until everything is re-sealed. Errors: kCorruption if a value
// does not open (nothing is retired then).
Result<RotateReport> RotateDataKey(const std::string& path, security::Keyring& keyring,
                                   const RotateOptions& options);

// Replaces the master key: every data key is wrapped again under `fresh`'s
// master key, with a new master check and `info` (how the new key is
// obtained), in one transaction. `current` must hold the database's keys.
// Processes that hold the old master key (a running server) must be
// restarted with the new one: their next write is refused.
Status ChangeMasterKey(const std::string& path, security::Keyring& current,
                       const security::Keyring& fresh, const MasterKeyInfo& info);

struct KeyStatus {
  MasterKind kind = MasterKind::kNone;
  struct Key {
    uint32_t version;
    std::string created_at;
  };
  std::vector<Key> keys;
  // Sealed values and files per key version (0: not sealed).
  std::map<uint32_t, int64_t> values, files;
};
Result<KeyStatus> ReadKeyStatus(const std::string& path, const BlobStore* blobs);

namespace sqlite_keys {

// Whether the database records keys: the master kind, kNone when not.
Result<MasterKind> Kind(sqlite::Database* db);
// Checks `keyring`'s master key against the database and loads every data
// key, making the highest current. kUnauthenticated for a wrong master key,
// kCorruption for a damaged data key.
Status Load(sqlite::Database* db, security::Keyring& keyring);
// For a database without keys: records how the master key is obtained and
// creates data key version 1. Run inside the caller's write transaction.
Status Setup(sqlite::Database* db, security::Keyring& keyring, const MasterKeyInfo& info,
             const std::string& now);
// Re-seals, with the keyring's current key, every sensitive value not
// sealed with it. `allow_plaintext`: values stored unsealed (a database from
// before encryption) are sealed too instead of being refused. One
// transaction, the caller's.
Result<int64_t> ResealAll(sqlite::Database* db, security::Keyring& keyring, bool allow_plaintext);

// At open, before migrations: if the database has keys, checks the master
// key and loads them (a database with keys and no `keyring` is refused with
// kInvalidArgument). Sets `*needs_setup` when a keyring is given for a
// database without keys.
Status OpenKeys(sqlite::Database* db, security::Keyring* keyring, bool* needs_setup);
// After migrations, for a database without keys: Setup, and seal the values
// stored before encryption, in one transaction. If there were such values,
// the file is then vacuumed and its WAL truncated, so no page still holds
// them in plaintext.
Status SetUpKeys(sqlite::Database* db, security::Keyring& keyring, const MasterKeyInfo& info,
                 const std::string& now);
// Lets `keyring` load keys added later (by `dalil keys rotate` in another
// process) from the database file at `path`.
void InstallReloader(security::Keyring& keyring, const std::string& path);

}  // namespace sqlite_keys
}  // namespace dalil::store

#endif  // DALIL_STORE_SQLITE_SQLITE_KEYS_H_
