#include "store/sqlite/sqlite_keys.h"

#include <string_view>
#include <utility>

#include "model/schema.h"
#include "store/crypto_codec.h"
#include "store/sqlite/db.h"

namespace dalil::store {
namespace {

using sqlite::Database;
using sqlite::Statement;

// Every column that holds sealed values: the sensitive fields of each entity
// and the ledger's sealed copies of them (docs/formats/ledger.md section 3).
struct Target {
  std::string table, id_column;
  std::vector<std::string> columns;
};

std::vector<Target> Targets() {
  std::vector<Target> out;
  for (const model::EntitySpec* spec : model::AllEntities()) {
    Target t{std::string(spec->table), "id", {}};
    for (const model::Field& f : spec->fields) {
      if (f.sensitive) t.columns.emplace_back(f.name);
    }
    if (!t.columns.empty()) out.push_back(std::move(t));
  }
  out.push_back({"ledger", "idx", {"secrets"}});
  return out;
}

std::string Prefix(uint32_t version) {
  std::string p(security::kFieldMagic);
  for (int s = 24; s >= 0; s -= 8) p.push_back(static_cast<char>((version >> s) & 0xff));
  return p;
}

// The key version named by the first 8 stored bytes; 0 when not sealed.
uint32_t VersionOfPrefix(std::string_view head) {
  if (head.size() < 8 || head.substr(0, 4) != security::kFieldMagic) return 0;
  uint32_t v = 0;
  for (int i = 4; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(head[i]);
  return v;
}

Result<std::optional<std::string>> Setting(Database* db, const std::string& name) {
  DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT value FROM key_settings WHERE name = ?"));
  st.BindText(1, name);
  DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

Status PutSetting(Database* db, const std::string& name, std::string_view value) {
  DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "INSERT OR REPLACE INTO key_settings (name, value) VALUES (?, ?)"));
  st.BindText(1, name);
  st.BindBlob(2, value);
  return st.Run();
}

// How the master key is obtained, and its check value.
Status PutMasterSettings(Database* db, const security::Keyring& keyring,
                         const MasterKeyInfo& info) {
  DALIL_RETURN_IF_ERROR(PutSetting(db, "master", info.kind == MasterKind::kFile ? "file"
                                                                                : "passphrase"));
  DALIL_RETURN_IF_ERROR(PutSetting(db, "master_check", keyring.MasterCheck()));
  if (info.kind == MasterKind::kPassphrase) {
    DALIL_RETURN_IF_ERROR(PutSetting(db, "kdf_salt", info.kdf.salt));
    DALIL_RETURN_IF_ERROR(PutSetting(db, "kdf_ops", std::to_string(info.kdf.ops)));
    DALIL_RETURN_IF_ERROR(PutSetting(db, "kdf_mem", std::to_string(info.kdf.mem)));
  }
  return Status::Ok();
}

Result<bool> HasKeyTables(Database* db) {
  DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'key_settings'"));
  DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
  return row && st.Int(0) > 0;
}

// Re-seals the values of up to `limit` rows of `t` after id `after`.
// Returns the last id seen (nullopt when no rows were left).
Result<std::optional<int64_t>> ResealRows(Database* db, security::Keyring& keyring,
                                          const Target& t, int64_t after, int64_t limit,
                                          bool allow_plaintext, int64_t* changed) {
  std::string cols;
  for (const auto& c : t.columns) cols += ", " + c;
  DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT " + t.id_column + cols + " FROM " + t.table + " WHERE " + t.id_column +
      " > ? ORDER BY " + t.id_column + " LIMIT ?"));
  st.BindInt(1, after);
  st.BindInt(2, limit);
  struct Change {
    int64_t id;
    size_t column;
    std::string sealed;
  };
  std::vector<Change> changes;
  std::optional<int64_t> last;
  const uint32_t current = keyring.current();
  while (true) {
    DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const int64_t id = st.Int(0);
    last = id;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const int col = static_cast<int>(c) + 1;
      if (st.IsNull(col)) continue;
      const std::string stored = st.Text(col);
      const uint32_t version = VersionOfPrefix(stored);
      if (version == current && version != 0) continue;
      const FieldSlot slot{t.table, t.columns[c], id};
      std::string plaintext;
      if (version == 0) {
        if (!allow_plaintext) {
          return Status::Corruption(t.table + "." + t.columns[c] + " of row " +
                                    std::to_string(id) + " is stored unencrypted");
        }
        plaintext = stored;
      } else {
        auto opened = keyring.Open(security::kFieldMagic, FieldContext(slot), stored);
        if (!opened.ok()) {
          return Status(opened.status().code(), t.table + "." + t.columns[c] + " of row " +
                                                    std::to_string(id) + " " +
                                                    opened.status().message());
        }
        plaintext = std::move(opened).value();
      }
      DALIL_ASSIGN_OR_RETURN(std::string sealed,
                             keyring.Seal(security::kFieldMagic, FieldContext(slot), plaintext));
      changes.push_back({id, c, std::move(sealed)});
    }
  }
  for (const Change& ch : changes) {
    // Only the sealed bytes change: not the record's version, nor its leaf.
    DALIL_ASSIGN_OR_RETURN(auto up, db->Cached("UPDATE " + t.table + " SET " +
                                               t.columns[ch.column] + " = ? WHERE " +
                                               t.id_column + " = ?"));
    up->BindBlob(1, ch.sealed);
    up->BindInt(2, ch.id);
    DALIL_RETURN_IF_ERROR(up->Run());
  }
  *changed += static_cast<int64_t>(changes.size());
  return last;
}

// Number of values not sealed with `version`.
Result<int64_t> CountNotAt(Database* db, uint32_t version) {
  int64_t n = 0;
  for (const Target& t : Targets()) {
    for (const auto& c : t.columns) {
      DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
          "SELECT COUNT(*) FROM " + t.table + " WHERE " + c + " IS NOT NULL AND substr(" + c +
          ", 1, 8) != ?"));
      st.BindBlob(1, Prefix(version));
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) n += st.Int(0);
    }
  }
  return n;
}

// Opens read-write even to only read: a read-only connection that is the
// last to close leaves the WAL and shared-memory files behind.
Result<std::unique_ptr<Database>> OpenExisting(const std::string& path) {
  if (path == ":memory:") return Status::Invalid("path", "needs a database file");
  return Database::Open(path, /*create=*/false);
}

// Runs `fn` in one BEGIN IMMEDIATE transaction: committed if it returns OK.
Status InWriteTxn(Database* db, const std::function<Status()>& fn) {
  DALIL_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  Status s = fn();
  if (s.ok()) s = db->Exec("COMMIT");
  if (!s.ok()) db->Exec("ROLLBACK");
  return s;
}

}  // namespace

namespace sqlite_keys {

Result<MasterKind> Kind(Database* db) {
  DALIL_ASSIGN_OR_RETURN(bool tables, HasKeyTables(db));
  if (!tables) return MasterKind::kNone;
  DALIL_ASSIGN_OR_RETURN(auto kind, Setting(db, "master"));
  if (!kind) return MasterKind::kNone;
  if (*kind == "file") return MasterKind::kFile;
  if (*kind == "passphrase") return MasterKind::kPassphrase;
  return Status::Corruption("key_settings.master is neither file nor passphrase");
}

Status Load(Database* db, security::Keyring& keyring) {
  DALIL_ASSIGN_OR_RETURN(auto check, Setting(db, "master_check"));
  if (!check) return Status::Corruption("the database has keys but no master key check");
  if (!keyring.MatchesMasterCheck(*check)) {
    return Status(Code::kUnauthenticated,
                  "the master key does not match this database (wrong key file or "
                  "passphrase); nothing was read or changed");
  }
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT version, wrapped FROM data_keys ORDER BY version"));
  uint32_t highest = 0;
  while (true) {
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    const auto version = static_cast<uint32_t>(st->Int(0));
    DALIL_RETURN_IF_ERROR(keyring.AddWrapped(version, st->Text(1)));
    highest = version;
  }
  if (highest == 0) return Status::Corruption("the database has no data key");
  if (keyring.current() != highest) keyring.SetCurrent(highest);
  return Status::Ok();
}

Status Setup(Database* db, security::Keyring& keyring, const MasterKeyInfo& info,
             const std::string& now) {
  if (info.kind == MasterKind::kNone) return Status::Internal("no master key kind given");
  DALIL_RETURN_IF_ERROR(PutMasterSettings(db, keyring, info));
  security::SecretKey key = security::SecretKey::Random();
  DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "INSERT INTO data_keys (version, wrapped, created_at) VALUES (1, ?, ?)"));
  st.BindBlob(1, keyring.Wrap(1, key));
  st.BindText(2, now);
  DALIL_RETURN_IF_ERROR(st.Run());
  keyring.Add(1, std::move(key));
  keyring.SetCurrent(1);
  return Status::Ok();
}

Result<int64_t> ResealAll(Database* db, security::Keyring& keyring, bool allow_plaintext) {
  int64_t changed = 0;
  for (const Target& t : Targets()) {
    int64_t after = INT64_MIN;
    while (true) {
      DALIL_ASSIGN_OR_RETURN(auto last, ResealRows(db, keyring, t, after, 1000,
                                                   allow_plaintext, &changed));
      if (!last) break;
      after = *last;
    }
  }
  return changed;
}

Status OpenKeys(Database* db, security::Keyring* keyring, bool* needs_setup) {
  *needs_setup = false;
  DALIL_ASSIGN_OR_RETURN(MasterKind kind, Kind(db));
  if (kind == MasterKind::kNone) {
    *needs_setup = keyring != nullptr;
    return Status::Ok();
  }
  if (keyring == nullptr) {
    return Status::Invalid("master_key", "the database is encrypted and no master key was given");
  }
  return Load(db, *keyring);
}

Status SetUpKeys(Database* db, security::Keyring& keyring, const MasterKeyInfo& info,
                 const std::string& now) {
  int64_t sealed = 0;
  DALIL_RETURN_IF_ERROR(InWriteTxn(db, [&]() -> Status {
    DALIL_RETURN_IF_ERROR(Setup(db, keyring, info, now));
    DALIL_ASSIGN_OR_RETURN(sealed, ResealAll(db, keyring, /*allow_plaintext=*/true));
    return Status::Ok();
  }));
  if (sealed == 0) return Status::Ok();
  return db->Exec("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
}

void InstallReloader(security::Keyring& keyring, const std::string& path) {
  if (path == ":memory:") return;  // no other process can add keys to it
  keyring.SetReloader([path](security::Keyring& k) -> Status {
    DALIL_ASSIGN_OR_RETURN(auto db, Database::Open(path, /*create=*/false, /*read_only=*/true));
    return Load(db.get(), k);
  });
}

}  // namespace sqlite_keys

Result<MasterKeyInfo> ReadMasterKeyInfo(const std::string& path) {
  DALIL_ASSIGN_OR_RETURN(auto db, OpenExisting(path));
  MasterKeyInfo info;
  DALIL_ASSIGN_OR_RETURN(info.kind, sqlite_keys::Kind(db.get()));
  if (info.kind != MasterKind::kPassphrase) return info;
  DALIL_ASSIGN_OR_RETURN(auto salt, Setting(db.get(), "kdf_salt"));
  DALIL_ASSIGN_OR_RETURN(auto ops, Setting(db.get(), "kdf_ops"));
  DALIL_ASSIGN_OR_RETURN(auto mem, Setting(db.get(), "kdf_mem"));
  // 0 stands for missing or not a number.
  const int64_t o = ops ? ParseInt(*ops).value_or(0) : 0;
  const int64_t m = mem ? ParseInt(*mem).value_or(0) : 0;
  if (!salt || o <= 0 || m <= 0) {
    return Status::Corruption("the database's passphrase parameters are missing or damaged");
  }
  info.kdf = {*salt, static_cast<uint64_t>(o), static_cast<uint64_t>(m)};
  return info;
}

Result<RotateReport> RotateDataKey(const std::string& path, security::Keyring& keyring,
                                   const RotateOptions& options) {
  DALIL_ASSIGN_OR_RETURN(auto db, OpenExisting(path));
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  RotateReport report;
  // 1. A new data key, current from the next write transaction of every
  // process (writers load the key list when they begin).
  DALIL_RETURN_IF_ERROR(InWriteTxn(db.get(), [&]() -> Status {
    DALIL_RETURN_IF_ERROR(sqlite_keys::Load(db.get(), keyring));
    DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT MAX(version) FROM data_keys"));
    DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
    (void)row;
    report.new_version = static_cast<uint32_t>(st.Int(0)) + 1;
    security::SecretKey key = security::SecretKey::Random();
    DALIL_ASSIGN_OR_RETURN(Statement ins, db->Prepare(
        "INSERT INTO data_keys (version, wrapped, created_at) VALUES (?, ?, ?)"));
    ins.BindInt(1, report.new_version);
    ins.BindBlob(2, keyring.Wrap(report.new_version, key));
    ins.BindText(3, FormatTimestamp(options.clock->NowSeconds()));
    DALIL_RETURN_IF_ERROR(ins.Run());
    keyring.Add(report.new_version, std::move(key));
    return Status::Ok();
  }));
  keyring.SetCurrent(report.new_version);
  say("added data key version " + std::to_string(report.new_version));

  // 2. Re-seal in batches, each its own short transaction.
  const int64_t batch = std::max(1, options.batch_rows);
  for (const Target& t : Targets()) {
    int64_t after = INT64_MIN, before = report.values;
    while (true) {
      std::optional<int64_t> last;
      DALIL_RETURN_IF_ERROR(InWriteTxn(db.get(), [&]() -> Status {
        DALIL_ASSIGN_OR_RETURN(last, ResealRows(db.get(), keyring, t, after, batch,
                                                /*allow_plaintext=*/false, &report.values));
        return Status::Ok();
      }));
      if (!last) break;
      after = *last;
    }
    say("re-encrypted " + std::to_string(report.values - before) + " values in " + t.table);
  }
  if (options.blobs) {
    DALIL_ASSIGN_OR_RETURN(report.files, options.blobs->ResealAll());
    say("re-encrypted " + std::to_string(report.files) + " evidence files");
  }

  // 3. Retire the old keys once nothing needs them. Writers that began before
  // step 1 committed may have sealed a few values with the old key: catch
  // them up under the write lock (and the evidence lock), then delete.
  std::optional<BlobStore::Lock> files_lock;
  if (options.blobs) {
    DALIL_ASSIGN_OR_RETURN(auto l, options.blobs->LockDir(/*exclusive=*/true));
    files_lock.emplace(std::move(l));
    DALIL_ASSIGN_OR_RETURN(int64_t late, options.blobs->ResealAll());
    report.files += late;
    DALIL_ASSIGN_OR_RETURN(auto by_version, options.blobs->CountByVersion());
    for (const auto& [v, n] : by_version) {
      if (v != report.new_version && n > 0) {
        return Status::Corruption(std::to_string(n) + " evidence file(s) are still sealed with "
                                  "key version " + std::to_string(v) + "; old keys kept");
      }
    }
  }
  DALIL_RETURN_IF_ERROR(InWriteTxn(db.get(), [&]() -> Status {
    DALIL_ASSIGN_OR_RETURN(int64_t late, sqlite_keys::ResealAll(db.get(), keyring, false));
    report.values += late;
    DALIL_ASSIGN_OR_RETURN(int64_t left, CountNotAt(db.get(), report.new_version));
    if (left != 0) {
      return Status::Corruption(std::to_string(left) + " value(s) are not sealed with key "
                                "version " + std::to_string(report.new_version) +
                                "; old keys kept");
    }
    DALIL_ASSIGN_OR_RETURN(Statement old, db->Prepare(
        "SELECT version FROM data_keys WHERE version != ? ORDER BY version"));
    old.BindInt(1, report.new_version);
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, old.Step());
      if (!row) break;
      report.retired.push_back(static_cast<uint32_t>(old.Int(0)));
    }
    DALIL_ASSIGN_OR_RETURN(Statement del, db->Prepare("DELETE FROM data_keys WHERE version != ?"));
    del.BindInt(1, report.new_version);
    return del.Run();
  }));
  for (uint32_t v : report.retired) say("deleted data key version " + std::to_string(v));
  return report;
}

Status ChangeMasterKey(const std::string& path, security::Keyring& current,
                       const security::Keyring& fresh, const MasterKeyInfo& info) {
  DALIL_ASSIGN_OR_RETURN(auto db, OpenExisting(path));
  return InWriteTxn(db.get(), [&]() -> Status {
    DALIL_RETURN_IF_ERROR(sqlite_keys::Load(db.get(), current));
    std::vector<uint32_t> versions;
    {
      DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT version FROM data_keys"));
      while (true) {
        DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        versions.push_back(static_cast<uint32_t>(st.Int(0)));
      }
    }
    for (uint32_t v : versions) {
      DALIL_ASSIGN_OR_RETURN(std::string wrapped, current.WrapUnder(fresh, v));
      DALIL_ASSIGN_OR_RETURN(Statement up, db->Prepare(
          "UPDATE data_keys SET wrapped = ? WHERE version = ?"));
      up.BindBlob(1, wrapped);
      up.BindInt(2, v);
      DALIL_RETURN_IF_ERROR(up.Run());
    }
    DALIL_RETURN_IF_ERROR(db->Exec("DELETE FROM key_settings"));
    return PutMasterSettings(db.get(), fresh, info);
  });
}

Result<KeyStatus> ReadKeyStatus(const std::string& path, const BlobStore* blobs) {
  DALIL_ASSIGN_OR_RETURN(auto db, OpenExisting(path));
  KeyStatus out;
  DALIL_RETURN_IF_ERROR(db->Exec("BEGIN"));  // one snapshot
  Status s = [&]() -> Status {
    DALIL_ASSIGN_OR_RETURN(out.kind, sqlite_keys::Kind(db.get()));
    if (out.kind == MasterKind::kNone) return Status::Ok();
    DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
        "SELECT version, created_at FROM data_keys ORDER BY version"));
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.keys.push_back({static_cast<uint32_t>(st.Int(0)), st.Text(1)});
    }
    for (const Target& t : Targets()) {
      for (const auto& c : t.columns) {
        DALIL_ASSIGN_OR_RETURN(Statement q, db->Prepare(
            "SELECT substr(" + c + ", 1, 8) AS h, COUNT(*) FROM " + t.table + " WHERE " + c +
            " IS NOT NULL GROUP BY h"));
        while (true) {
          DALIL_ASSIGN_OR_RETURN(bool row, q.Step());
          if (!row) break;
          out.values[VersionOfPrefix(q.Text(0))] += q.Int(1);
        }
      }
    }
    return Status::Ok();
  }();
  db->Exec("COMMIT");
  DALIL_RETURN_IF_ERROR(s);
  if (blobs) {
    DALIL_ASSIGN_OR_RETURN(out.files, blobs->CountByVersion());
  }
  return out;
}

}  // namespace dalil::store
