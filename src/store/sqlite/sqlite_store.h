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
#include "store/sensitive.h"
#include "store/store.h"

namespace dalil::store {

struct SqliteOptions {
  std::string path;          // database file, or ":memory:" for tests
  bool create = true;        // create the file if missing
  int read_connections = 4;  // size of the reader pool (file databases)
  const Clock* clock = Clock::System();
  // Codec for sensitive fields; plaintext when null.
  std::shared_ptr<const SensitiveCodec> codec;
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
