#include "store/sqlite/sqlite_imports.h"

namespace dalil::store {

using sqlite::Statement;

Result<int64_t> SqliteImportTxn::StartRun(const ImportRun& run) {
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "UPDATE import_runs SET status = 'interrupted' WHERE status = 'running' "
        "AND dataset = ? AND file_name = ?"));
    st->BindText(1, run.dataset);
    st->BindText(2, run.file_name);
    DALIL_RETURN_IF_ERROR(st->Run());
  }
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "INSERT INTO import_runs (dataset, format, file_name, actor, status, started_at) "
      "VALUES (?, ?, ?, ?, 'running', ?)"));
  st->BindText(1, run.dataset);
  st->BindText(2, run.format);
  st->BindText(3, run.file_name);
  st->BindText(4, actor_);
  st->BindText(5, now_);
  DALIL_RETURN_IF_ERROR(st->Run());
  return db_->LastInsertRowId();
}

Status SqliteImportTxn::UpdateRun(int64_t run_id, const ImportCounts& c,
                                  const std::string& status, const std::string& file_sha256) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "UPDATE import_runs SET rows_read = ?, imported = ?, updated = ?, unchanged = ?, "
      "rejected = ?, flagged = ?, "
      "status = CASE WHEN ?7 = '' THEN status ELSE ?7 END, "
      "finished_at = CASE WHEN ?7 = '' THEN finished_at ELSE ?8 END, "
      "file_sha256 = CASE WHEN ?9 = '' THEN file_sha256 ELSE ?9 END WHERE id = ?10"));
  st->BindInt(1, c.rows);
  st->BindInt(2, c.imported);
  st->BindInt(3, c.updated);
  st->BindInt(4, c.unchanged);
  st->BindInt(5, c.rejected);
  st->BindInt(6, c.flagged);
  st->BindText(7, status);
  st->BindText(8, now_);
  st->BindText(9, file_sha256);
  st->BindInt(10, run_id);
  DALIL_RETURN_IF_ERROR(st->Run());
  if (db_->Changes() != 1) return Status::NotFound("no import run " + std::to_string(run_id));
  return Status::Ok();
}

Result<std::optional<ImportedRow>> SqliteImportTxn::FindRow(const std::string& dataset,
                                                            const std::string& event_key) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "SELECT incident_id, row_hash, records, run_id, line FROM import_rows WHERE dataset = ? AND event_key = ?"));
  st->BindText(1, dataset);
  st->BindText(2, event_key);
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ImportedRow>();
  ImportedRow r;
  r.incident_id = st->Int(0);
  r.row_hash = st->Text(1);
  r.records = nlohmann::json::parse(st->Text(2), nullptr, /*allow_exceptions=*/false);
  r.run_id = st->Int(3);
  r.line = st->Int(4);
  if (!r.records.is_object()) {
    return Status::Corruption("import_rows of " + dataset + " " + event_key + " is unreadable");
  }
  return std::optional<ImportedRow>(std::move(r));
}

Status SqliteImportTxn::PutRow(const std::string& dataset, const std::string& event_key,
                               const ImportedRow& row, int64_t run_id, int64_t line) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "INSERT OR REPLACE INTO import_rows (dataset, event_key, incident_id, row_hash, records, "
      "run_id, line) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  st->BindText(1, dataset);
  st->BindText(2, event_key);
  st->BindInt(3, row.incident_id);
  st->BindText(4, row.row_hash);
  st->BindText(5, row.records.dump());
  st->BindInt(6, run_id);
  st->BindInt(7, line);
  return st->Run();
}

Result<std::optional<ImportedRecord>> SqliteImportTxn::FindRecord(
    const std::string& dataset, const std::string& record_key) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "SELECT entity, record_id, content_hash FROM import_records "
      "WHERE dataset = ? AND record_key = ?"));
  st->BindText(1, dataset);
  st->BindText(2, record_key);
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ImportedRecord>();
  return std::optional<ImportedRecord>(
      ImportedRecord{.entity = st->Text(0), .record_id = st->Int(1), .content_hash = st->Text(2)});
}

Status SqliteImportTxn::PutRecord(const std::string& dataset, const std::string& record_key,
                                  const ImportedRecord& record, int64_t run_id) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "INSERT OR REPLACE INTO import_records (dataset, record_key, entity, record_id, "
      "content_hash, run_id) VALUES (?, ?, ?, ?, ?, ?)"));
  st->BindText(1, dataset);
  st->BindText(2, record_key);
  st->BindText(3, record.entity);
  st->BindInt(4, record.record_id);
  st->BindText(5, record.content_hash);
  st->BindInt(6, run_id);
  return st->Run();
}

Status SqliteImportTxn::AddChange(int64_t run_id, const std::string& dataset,
                                  const std::string& event_key, int64_t incident_id,
                                  int64_t line, const std::string& old_hash,
                                  const std::string& new_hash) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "INSERT INTO import_changes (run_id, dataset, event_key, incident_id, line, old_hash, "
      "new_hash) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  st->BindInt(1, run_id);
  st->BindText(2, dataset);
  st->BindText(3, event_key);
  st->BindInt(4, incident_id);
  st->BindInt(5, line);
  st->BindText(6, old_hash);
  st->BindText(7, new_hash);
  return st->Run();
}

Status SqliteImportTxn::AddReject(int64_t run_id, const ImportReject& r) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "INSERT INTO import_rejects (run_id, line, column_name, value, reason) "
      "VALUES (?, ?, ?, ?, ?)"));
  st->BindInt(1, run_id);
  st->BindInt(2, r.line);
  st->BindText(3, r.column);
  st->BindText(4, r.value);
  st->BindText(5, r.reason);
  return st->Run();
}

Status SqliteImportTxn::AddFlag(int64_t run_id, const ImportFlag& f) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "INSERT INTO import_flags (run_id, line, entity, record_id, reason) "
      "VALUES (?, ?, ?, ?, ?)"));
  st->BindInt(1, run_id);
  st->BindInt(2, f.line);
  st->BindText(3, f.entity);
  st->BindInt(4, f.record_id);
  st->BindText(5, f.reason);
  return st->Run();
}

Result<std::optional<int64_t>> SqliteImportTxn::CompletedRunWithFile(const std::string& dataset,
                                                                     const std::string& sha256) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "SELECT id FROM import_runs WHERE dataset = ? AND file_sha256 = ? AND "
      "status = 'completed' ORDER BY id DESC LIMIT 1"));
  st->BindText(1, dataset);
  st->BindText(2, sha256);
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(st->Int(0));
}

Result<ImportReport> LoadImportReportWith(sqlite::Database* db, int64_t run_id) {
  ImportReport out;
  DALIL_RETURN_IF_ERROR(db->Exec("BEGIN"));  // one snapshot
  Status s = [&]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
        "SELECT id, dataset, format, file_name, ifnull(file_sha256, ''), actor, status, "
        "started_at, ifnull(finished_at, ''), rows_read, imported, updated, unchanged, "
        "rejected, flagged FROM import_runs WHERE id = ?"));
    st.BindInt(1, run_id);
    DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::NotFound("no import run " + std::to_string(run_id), "id");
    ImportRun& r = out.run;
    r.id = st.Int(0);
    r.dataset = st.Text(1);
    r.format = st.Text(2);
    r.file_name = st.Text(3);
    r.file_sha256 = st.Text(4);
    r.actor = st.Text(5);
    r.status = st.Text(6);
    r.started_at = st.Text(7);
    r.finished_at = st.Text(8);
    r.counts = {st.Int(9), st.Int(10), st.Int(11), st.Int(12), st.Int(13), st.Int(14)};
    DALIL_ASSIGN_OR_RETURN(Statement rj, db->Prepare(
        "SELECT line, column_name, value, reason FROM import_rejects WHERE run_id = ? "
        "ORDER BY line, id"));
    rj.BindInt(1, run_id);
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool more, rj.Step());
      if (!more) break;
      out.rejects.push_back({rj.Int(0), rj.Text(1), rj.Text(2), rj.Text(3)});
    }
    DALIL_ASSIGN_OR_RETURN(Statement fl, db->Prepare(
        "SELECT line, entity, record_id, reason FROM import_flags WHERE run_id = ? "
        "ORDER BY line, id"));
    fl.BindInt(1, run_id);
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool more, fl.Step());
      if (!more) break;
      out.flags.push_back({fl.Int(0), fl.Text(1), fl.Int(2), fl.Text(3)});
    }
    DALIL_ASSIGN_OR_RETURN(Statement ch, db->Prepare(
        "SELECT COUNT(*) FROM import_changes WHERE run_id = ?"));
    ch.BindInt(1, run_id);
    DALIL_ASSIGN_OR_RETURN(bool one, ch.Step());
    (void)one;
    out.changes = ch.Int(0);
    return Status::Ok();
  }();
  db->Exec("COMMIT");
  if (!s.ok()) return s;
  return out;
}

}  // namespace dalil::store
