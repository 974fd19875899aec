// Store on SQLite: one write connection (writes are serialised, as SQLite
// does anyway) and a pool of read connections that run in parallel under
// WAL. Migrations in store/migrations/ are applied at Open, each in its own
// transaction, and PRAGMA user_version records how many have run.
#ifndef DALIL_STORE_SQLITE_SQLITE_STORE_H_
#define DALIL_STORE_SQLITE_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "base/status.h"
#include "base/text.h"
#include "security/keys.h"
#include "store/sensitive.h"
#include "store/sqlite/sqlite_keys.h"
#include "store/store.h"

namespace dalil::store {

struct SqliteOptions {
  std::string path;          // database file, or ":memory:" for tests
  bool create = true;        // create the file if missing
  int read_connections = 4;  // size of the reader pool (file databases)
  const Clock* clock = Clock::System();
  // Codec for sensitive fields; plaintext when null (tests, benchmarks).
  std::shared_ptr<const SensitiveCodec> codec;
  // Encryption at rest (docs/security.md). With a keyring holding the master
  // key, the store checks that key against the database before touching
  // anything (kUnauthenticated when it does not match), loads the data keys
  // into the keyring and seals sensitive fields with them (`codec` is then
  // ignored). A database without keys gets them, recording `new_master`,
  // and values stored before encryption are sealed. Without a keyring a
  // database that has keys is refused (kInvalidArgument).
  std::shared_ptr<security::Keyring> keyring;
  MasterKeyInfo new_master;
  // Only benchmarks set this to false, to measure what the ledger costs: such
  // a store writes no versions or leaves, and `dalil verify` reports every
  // record it wrote as inserted outside Dalil.
  bool record_ledger = true;
};

// Opens the store and brings its schema up to date. Errors: kIoError when
// the file cannot be opened, kCorruption when it is not a database or was
// written by a newer Dalil (unknown schema version).
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

// Number of migrations this build knows.
int LatestSchemaVersion();

}  // namespace dalil::store

#endif  // DALIL_STORE_SQLITE_SQLITE_STORE_H_
