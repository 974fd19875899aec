// A thin RAII layer over the SQLite C API: one connection, prepared
// statements only. Not thread safe: one Database per thread at a time.
#ifndef DALIL_STORE_SQLITE_DB_H_
#define DALIL_STORE_SQLITE_DB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dalil::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  // Binding is 1-based as in SQLite.
  void BindNull(int i);
  void BindInt(int i, int64_t v);
  void BindDouble(int i, double v);
  void BindText(int i, std::string_view v);
  void BindBlob(int i, std::string_view v);

  // Steps once: true when a row is available, false when done. Errors
  // (constraint, busy, I/O) come back as a Status.
  Result<bool> Step();
  // Steps to completion, for statements that return no rows.
  Status Run();
  void Reset();

  int ColumnCount() const;
  bool IsNull(int col) const;
  int ColumnType(int col) const;  // SQLITE_INTEGER, ...
  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  // Text or blob bytes without a copy; valid until the next Step or Reset.
  std::string_view View(int col) const;
  std::string_view ColumnName(int col) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// A borrowed cached statement; resets it when it goes out of scope so no
// read snapshot stays open between uses.
class StatementRef {
 public:
  explicit StatementRef(Statement* s) : s_(s) {}
  StatementRef(StatementRef&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  StatementRef(const StatementRef&) = delete;
  ~StatementRef() {
    if (s_) s_->Reset();
  }
  Statement* operator->() { return s_; }
  Statement& operator*() { return *s_; }

 private:
  Statement* s_;
};

class Database {
 public:
  // Opens (creating if `create`) the database at `path`, enables foreign
  // keys, WAL, a busy timeout. ":memory:" works for tests.
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                bool create,
                                                bool read_only = false);
  ~Database();

  Result<Statement> Prepare(std::string_view sql);
  // A statement prepared once per connection and reused: reset and with
  // bindings cleared on each call. The pointer stays valid while the
  // Database lives; do not hold two uses of the same SQL at once.
  Result<StatementRef> Cached(const std::string& sql);
  // Runs SQL without parameters (schema, pragmas, BEGIN/COMMIT).
  Status Exec(const std::string& sql);
  int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* raw() { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  sqlite3* db_;
};

// Maps an SQLite result code to a Status (constraint -> kConflict,
// busy/locked -> kUnavailable, corrupt -> kCorruption, else kIoError).
Status StatusFromSqlite(int rc, sqlite3* db, std::string_view what);

}  // namespace dalil::sqlite

#endif  // DALIL_STORE_SQLITE_DB_H_
