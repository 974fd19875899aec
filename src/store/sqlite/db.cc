#include "store/sqlite/db.h"

#include <sqlite3.h>

namespace dalil::sqlite {

Status StatusFromSqlite(int rc, sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:
      return Status::Conflict(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg);
    default:
      return Status::Io(msg);
  }
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

void Statement::BindNull(int i) { sqlite3_bind_null(stmt_, i); }
void Statement::BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
void Statement::BindDouble(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
void Statement::BindText(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
}
void Statement::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return StatusFromSqlite(rc, db_, "database");
}

Status Statement::Run() {
  while (true) {
    auto r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }
bool Statement::IsNull(int c) const {
  return sqlite3_column_type(stmt_, c) == SQLITE_NULL;
}
int Statement::ColumnType(int c) const { return sqlite3_column_type(stmt_, c); }
int64_t Statement::Int(int c) const { return sqlite3_column_int64(stmt_, c); }
double Statement::Double(int c) const { return sqlite3_column_double(stmt_, c); }
std::string Statement::Text(int c) const {
  const void* p = sqlite3_column_blob(stmt_, c);
  int n = sqlite3_column_bytes(stmt_, c);
  return p ? std::string(static_cast<const char*>(p), n) : std::string();
}
std::string_view Statement::View(int c) const {
  const void* p = sqlite3_column_blob(stmt_, c);
  int n = sqlite3_column_bytes(stmt_, c);
  return p ? std::string_view(static_cast<const char*>(p), n) : std::string_view();
}
std::string_view Statement::ColumnName(int c) const {
  return sqlite3_column_name(stmt_, c);
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 bool create, bool read_only) {
  // No allocation statistics (nothing reads them): SQLite otherwise takes a
  // process-wide mutex on every allocation. Before SQLite initialises, once.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = StatusFromSqlite(rc, db, "opening database " + path);
    sqlite3_close(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 10000);
  std::unique_ptr<Database> out(new Database(db));
  // Reads map the file instead of copying pages through read(): whole-table
  // scans (the figure index) cost a third less. Writes still go through the
  // WAL; the mapping is address space only.
  std::string pragmas = "PRAGMA foreign_keys=ON; PRAGMA mmap_size=4294967296;";
  if (!read_only && path != ":memory:") {
    pragmas += "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
  }
  DALIL_RETURN_IF_ERROR(out->Exec(pragmas));
  return out;
}

Database::~Database() {
  cache_.clear();  // finalize statements before closing
  sqlite3_close_v2(db_);
}

Result<StatementRef> Database::Cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->Reset();
    return StatementRef(it->second.get());
  }
  DALIL_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  auto owned = std::make_unique<Statement>(std::move(st));
  Statement* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return StatementRef(raw);
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()),
                              &stmt, nullptr);
  if (rc != SQLITE_OK) return StatusFromSqlite(rc, db_, "preparing statement");
  return Statement(db_, stmt);
}

Status Database::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status s = StatusFromSqlite(rc, nullptr, "database");
    return Status(s.code(), "database: " + msg);
  }
  return Status::Ok();
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Database::Changes() const { return sqlite3_changes(db_); }

}  // namespace dalil::sqlite
