// SQLite side of store/imports.h: the import bookkeeping tables of
// migration 0006. Internal to store/sqlite/.
#ifndef DALIL_STORE_SQLITE_SQLITE_IMPORTS_H_
#define DALIL_STORE_SQLITE_SQLITE_IMPORTS_H_

#include <string>

#include "store/imports.h"
#include "store/sqlite/db.h"

namespace dalil::store {

// Runs on the write transaction's connection; `now` is its timestamp.
class SqliteImportTxn : public ImportTxn {
 public:
  SqliteImportTxn(sqlite::Database* db, std::string actor, std::string now)
      : db_(db), actor_(std::move(actor)), now_(std::move(now)) {}

  Result<int64_t> StartRun(const ImportRun& run) override;
  Status UpdateRun(int64_t run_id, const ImportCounts& counts, const std::string& status,
                   const std::string& file_sha256) override;
  Result<std::optional<ImportedRow>> FindRow(const std::string& dataset,
                                             const std::string& event_key) override;
  Status PutRow(const std::string& dataset, const std::string& event_key,
                const ImportedRow& row, int64_t run_id, int64_t line) override;
  Result<std::optional<ImportedRecord>> FindRecord(const std::string& dataset,
                                                   const std::string& record_key) override;
  Status PutRecord(const std::string& dataset, const std::string& record_key,
                   const ImportedRecord& record, int64_t run_id) override;
  Status AddChange(int64_t run_id, const std::string& dataset, const std::string& event_key,
                   int64_t incident_id, int64_t line, const std::string& old_hash,
                   const std::string& new_hash) override;
  Status AddReject(int64_t run_id, const ImportReject& reject) override;
  Status AddFlag(int64_t run_id, const ImportFlag& flag) override;
  Result<std::optional<int64_t>> CompletedRunWithFile(const std::string& dataset,
                                                      const std::string& sha256) override;

 private:
  sqlite::Database* db_;
  std::string actor_;
  std::string now_;
};

// Reads one run and everything recorded about it.
Result<ImportReport> LoadImportReportWith(sqlite::Database* db, int64_t run_id);

}  // namespace dalil::store

#endif  // DALIL_STORE_SQLITE_SQLITE_IMPORTS_H_
