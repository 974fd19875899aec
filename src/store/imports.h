// What the store keeps about imports of outside datasets (migration 0006,
// docs/formats/import-export.md): runs, the dataset event each imported
// incident came from, changes, rejected rows and records flagged for
// review. The records themselves are written with WriteTxn::Create/Update
// like any other, so the ledger records every one of them.
#ifndef DALIL_STORE_IMPORTS_H_
#define DALIL_STORE_IMPORTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace dalil::store {

struct ImportCounts {
  int64_t rows = 0;       // data rows read (not the header or HXL row)
  int64_t imported = 0;   // new events
  int64_t updated = 0;    // events whose row changed since the last import
  int64_t unchanged = 0;  // events imported before with the same row
  int64_t rejected = 0;   // rows not imported (each has an ImportReject)
  int64_t flagged = 0;    // imported rows with a record flagged for review
};

struct ImportRun {
  int64_t id = 0;
  std::string dataset, format, file_name, file_sha256, actor;
  std::string status;  // running, completed, interrupted
  std::string started_at, finished_at;
  ImportCounts counts;
};

struct ImportReject {
  int64_t line = 0;     // 1-based physical line where the row starts
  std::string column;   // header name, or "" when about the whole row
  std::string value;    // at most 200 bytes, valid UTF-8 (hex otherwise)
  std::string reason;
};

struct ImportFlag {
  int64_t line = 0;
  std::string entity;  // "place", "actor"
  int64_t record_id = 0;
  std::string reason;
};

// An event imported earlier: the incident made from it and the ids of the
// other records the row produced ({"source": id, "claims": {category: id},
// "involvements": [id...]}).
struct ImportedRow {
  int64_t incident_id = 0;
  std::string row_hash;
  nlohmann::json records;
  int64_t run_id = 0;  // the run that last wrote it, at this line
  int64_t line = 0;
};

// A record an import keyed by a key of its own (migration 0011): a
// dalil-json record by its "$key", an ACLED source by its text.
struct ImportedRecord {
  std::string entity;  // model entity name
  int64_t record_id = 0;
  std::string content_hash;
};

struct ImportReport {
  ImportRun run;
  std::vector<ImportReject> rejects;
  std::vector<ImportFlag> flags;
  int64_t changes = 0;
};

// The import bookkeeping of one write transaction (WriteTxn::Imports()):
// committed or rolled back with the records written beside it.
class ImportTxn {
 public:
  virtual ~ImportTxn() = default;
  // Records a new run (status "running"); earlier runs of the same dataset
  // and file name still "running" (killed) become "interrupted".
  virtual Result<int64_t> StartRun(const ImportRun& run) = 0;
  // Saves the counts so far, and with `status` non-empty ends the run.
  virtual Status UpdateRun(int64_t run_id, const ImportCounts& counts,
                           const std::string& status, const std::string& file_sha256) = 0;
  virtual Result<std::optional<ImportedRow>> FindRow(const std::string& dataset,
                                                     const std::string& event_key) = 0;
  // Inserts or replaces the event's row.
  virtual Status PutRow(const std::string& dataset, const std::string& event_key,
                        const ImportedRow& row, int64_t run_id, int64_t line) = 0;
  // The record an earlier import of `dataset` made for `record_key`, if any
  // (the record itself may have been deleted since).
  virtual Result<std::optional<ImportedRecord>> FindRecord(const std::string& dataset,
                                                           const std::string& record_key) = 0;
  // Inserts or replaces the key's record.
  virtual Status PutRecord(const std::string& dataset, const std::string& record_key,
                           const ImportedRecord& record, int64_t run_id) = 0;
  virtual Status AddChange(int64_t run_id, const std::string& dataset,
                           const std::string& event_key, int64_t incident_id, int64_t line,
                           const std::string& old_hash, const std::string& new_hash) = 0;
  virtual Status AddReject(int64_t run_id, const ImportReject& reject) = 0;
  virtual Status AddFlag(int64_t run_id, const ImportFlag& flag) = 0;
  // The latest completed run of `dataset` that read a file with this hash.
  virtual Result<std::optional<int64_t>> CompletedRunWithFile(const std::string& dataset,
                                                              const std::string& sha256) = 0;
};

}  // namespace dalil::store

#endif  // DALIL_STORE_IMPORTS_H_
