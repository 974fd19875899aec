// The ledger on SQLite: appending a record version and its leaf inside the
// caller's write transaction, proofs from stored perfect-subtree nodes, and
// the full verification of docs/formats/ledger.md section 5.
// Internal to store/sqlite/.
#ifndef DALIL_STORE_SQLITE_SQLITE_LEDGER_H_
#define DALIL_STORE_SQLITE_SQLITE_LEDGER_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/checkpoint.h"
#include "ledger/leaf.h"
#include "ledger/merkle.h"
#include "store/sensitive.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace dalil::store::sqlite_ledger {

// Reads stored nodes through one connection: node (level, index) is kept
// with the leaf that completed it, in the `hashes` column of `ledger`.
class DbTree : public ledger::TreeReader {
 public:
  explicit DbTree(sqlite::Database* db) : db_(db) {}
  Result<ledger::Hash> Node(int level, uint64_t index) override;

 private:
  sqlite::Database* db_;
};

struct Change {
  const model::EntitySpec* spec = nullptr;
  int64_t id = 0;
  ledger::Op op = ledger::Op::kCreate;
  int64_t version = 0;
  const nlohmann::json* record = nullptr;  // the new version; null for delete
  // Or, already computed (a prepared create): its canonical content, the
  // salt of its commitments and its sensitive values (null when none).
  const std::string* content = nullptr;
  std::string_view salt;
  const nlohmann::json* secrets = nullptr;
  std::optional<uint64_t> prev;            // leaf of the previous version
  std::string_view actor;
  uint64_t time = 0;
};

// Writes the ledger row (leaf, completed hashes, version content) at index
// frontier.size(), and a tombstone for a delete, and advances `frontier`.
// The caller has already pointed the record's ledger_leaf at that index.
// Must run inside the caller's write transaction; on rollback the caller
// restores the frontier it had before.
Status Append(sqlite::Database* db, const SensitiveCodec& codec,
              ledger::Frontier& frontier, const Change& change);

// Brings `frontier` to the ledger's current size, reloading it from the
// stored nodes when another connection or process appended meanwhile
// (the account tables append events on a connection of their own). Call
// inside a write transaction, before appending.
Status CatchUp(sqlite::Database* db, ledger::Frontier& frontier);

// Events (docs/formats/ledger.md 1.3): each row of an append-only event
// table is one leaf of its kind, written in the transaction that inserts
// the row. A table's rows are read as (id, at, actor, columns...).
struct EventTable {
  std::string_view kind;   // the leaf's entity: ledger::kAccountEvent, ledger::kReveal
  std::string_view table;  // account_audit, reveals
  std::vector<std::string_view> columns;       // the event's members, in this order
  std::vector<std::string_view> json_columns;  // those holding JSON text
};
const std::vector<EventTable>& EventTables();

// Appends the leaf of row `id` of `kind`'s table, as the row reads back in
// this transaction (so the content is exactly what verification recomputes),
// after CatchUp. Returns the leaf's index. Inside the caller's write
// transaction; on rollback the caller restores `frontier` or reloads it.
Result<uint64_t> AppendEvent(sqlite::Database* db, ledger::Frontier& frontier,
                             std::string_view kind, int64_t id);
// Appends a leaf for every row of `kind`'s table, in id order: the rows
// written before events joined the ledger (run once, by the migration).
Status AppendAllEvents(sqlite::Database* db, ledger::Frontier& frontier, std::string_view kind);

Result<uint64_t> Size(sqlite::Database* db);
Result<std::vector<LeafEntry>> Leaves(sqlite::Database* db, uint64_t start, uint64_t end);
Result<std::vector<VersionEntry>> History(sqlite::Database* db, const model::EntitySpec& spec,
                                          int64_t id);
Result<std::optional<SignedCheckpoint>> Latest(sqlite::Database* db);
// Inside a write transaction: signs the current tree if it grew.
Result<SignedCheckpoint> Sign(sqlite::Database* db, const ledger::Frontier& frontier,
                              const ledger::SigningKey& key, const std::string& now);
// Largest id a record of this entity ever had, deleted ones included, so
// ids are never reused (a reused id would splice two histories).
Result<int64_t> MaxIdEver(sqlite::Database* db, const model::EntitySpec& spec);

// Verification over two connections whose read transactions see the same
// snapshot: `log_db` scans the ledger while `records_db` hashes every
// record, in parallel.
Result<VerifyReport> Verify(sqlite::Database* log_db, sqlite::Database* records_db,
                            const SensitiveCodec& codec, const ledger::Verifier& key,
                            const std::optional<std::string>& saved_note);

}  // namespace dalil::store::sqlite_ledger

#endif  // DALIL_STORE_SQLITE_SQLITE_LEDGER_H_
