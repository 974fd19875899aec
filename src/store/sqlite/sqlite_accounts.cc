// AccountStore on SQLite: one connection of its own, guarded by a mutex.
// Account writes are rare and short, so one connection is enough; under WAL
// they wait (busy timeout) for the record writer rather than failing.
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "ledger/leaf.h"
#include "store/accounts.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_ledger.h"

namespace dalil::store {
namespace {

using nlohmann::json;
using sqlite::Database;
using sqlite::Statement;

constexpr char kUserColumns[] =
    "id, organisation_id, username, role, password_hash, must_change_password, disabled, "
    "totp_secret, totp_enabled, totp_last_step, created_at, updated_at";
constexpr char kTokenColumns[] =
    "id, user_id, organisation_id, role, name, created_at, expires_at, revoked_at, last_used_at";

std::optional<int64_t> OptInt(const Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return st.Int(col);
}

void BindOpt(Statement& st, int i, std::optional<int64_t> v) {
  if (v) st.BindInt(i, *v);
  else st.BindNull(i);
}

Status UniqueConflict(const Status& s, const std::string& what, const std::string& field) {
  if (s.code() == Code::kConflict) return Status::Conflict("another " + what + " already has this " + field, field);
  return s;
}

class SqliteAccounts : public AccountStore {
 public:
  SqliteAccounts(std::unique_ptr<Database> db, std::shared_ptr<const SensitiveCodec> codec,
                 const Clock* clock)
      : db_(std::move(db)), codec_(std::move(codec)), clock_(clock) {}

  Result<Organisation> CreateOrganisation(const std::string& actor,
                                          const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    Organisation org;
    Status s = Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "INSERT INTO organisations (name, created_at) VALUES (?, ?)"));
      const int64_t now = clock_->NowSeconds();
      st->BindText(1, name);
      st->BindInt(2, now);
      DALIL_RETURN_IF_ERROR(UniqueConflict(st->Run(), "organisation", "name"));
      org = {db_->LastInsertRowId(), name, now};
      return AuditLocked(actor, "organisation.create", std::nullopt, org.id, json::object());
    });
    if (!s.ok()) return s;
    return org;
  }

  Result<std::vector<Organisation>> ListOrganisations() override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "SELECT id, name, created_at FROM organisations ORDER BY id"));
    std::vector<Organisation> out;
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back({st->Int(0), st->Text(1), st->Int(2)});
    }
    return out;
  }

  Result<Organisation> GetOrganisation(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "SELECT id, name, created_at FROM organisations WHERE id = ?"));
    st->BindInt(1, id);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::NotFound("no organisation with id " + std::to_string(id), "id");
    return Organisation{st->Int(0), st->Text(1), st->Int(2)};
  }

  Result<User> CreateUser(const std::string& actor, const User& u) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t id = 0;
    Status s = Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto org, db_->Cached("SELECT 1 FROM organisations WHERE id = ?"));
      org->BindInt(1, u.organisation_id);
      DALIL_ASSIGN_OR_RETURN(bool found, org->Step());
      if (!found) {
        return Status::Invalid("organisation_id",
                               "no organisation with id " + std::to_string(u.organisation_id));
      }
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "INSERT INTO users (organisation_id, username, role, password_hash, "
          "must_change_password, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
      const int64_t now = clock_->NowSeconds();
      st->BindInt(1, u.organisation_id);
      st->BindText(2, u.username);
      st->BindText(3, u.role);
      st->BindText(4, u.password_hash);
      st->BindInt(5, u.must_change_password ? 1 : 0);
      st->BindInt(6, u.disabled ? 1 : 0);
      st->BindInt(7, now);
      st->BindInt(8, now);
      DALIL_RETURN_IF_ERROR(UniqueConflict(st->Run(), "user", "username"));
      id = db_->LastInsertRowId();
      return AuditLocked(actor, "user.create", id, u.organisation_id,
                         {{"role", u.role}, {"must_change_password", u.must_change_password}});
    });
    if (!s.ok()) return s;
    return GetUserLocked("id = ?", [&](Statement& st) { st.BindInt(1, id); });
  }

  Result<User> GetUser(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return GetUserLocked("id = ?", [&](Statement& st) { st.BindInt(1, id); });
  }

  Result<User> FindUser(const std::string& username) override {
    std::lock_guard<std::mutex> lock(mu_);
    return GetUserLocked("username = ?", [&](Statement& st) { st.BindText(1, username); });
  }

  Result<std::vector<User>> ListUsers(std::optional<int64_t> organisation_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(Statement st, db_->Prepare(
        std::string("SELECT ") + kUserColumns + " FROM users" +
        (organisation_id ? " WHERE organisation_id = ?" : "") + " ORDER BY id"));
    if (organisation_id) st.BindInt(1, *organisation_id);
    std::vector<User> out;
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      DALIL_ASSIGN_OR_RETURN(User u, ReadUser(st));
      out.push_back(std::move(u));
    }
    return out;
  }

  Result<int64_t> CountUsers() override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("SELECT COUNT(*) FROM users"));
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    (void)row;
    return st->Int(0);
  }

  Result<User> UpdateUser(const std::string& actor, int64_t id, const UserChange& c,
                          const std::string& action, const json& detail) override {
    std::lock_guard<std::mutex> lock(mu_);
    Status s = Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(User u, GetUserLocked("id = ?", [&](Statement& st) { st.BindInt(1, id); }));
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "UPDATE users SET role = ?, disabled = ?, password_hash = ?, must_change_password = ?, "
          "updated_at = ? WHERE id = ?"));
      st->BindText(1, c.role.value_or(u.role));
      st->BindInt(2, c.disabled.value_or(u.disabled) ? 1 : 0);
      st->BindText(3, c.password_hash.value_or(u.password_hash));
      st->BindInt(4, c.must_change_password.value_or(u.must_change_password) ? 1 : 0);
      st->BindInt(5, clock_->NowSeconds());
      st->BindInt(6, id);
      DALIL_RETURN_IF_ERROR(st->Run());
      return AuditLocked(actor, action, id, u.organisation_id, detail);
    });
    if (!s.ok()) return s;
    return GetUserLocked("id = ?", [&](Statement& st) { st.BindInt(1, id); });
  }

  Status SetTotp(const std::string& actor, int64_t id, const std::optional<std::string>& secret,
                 bool enabled) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(User u, GetUserLocked("id = ?", [&](Statement& st) { st.BindInt(1, id); }));
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "UPDATE users SET totp_secret = ?, totp_enabled = ?, totp_last_step = NULL, "
          "updated_at = ? WHERE id = ?"));
      if (secret) {
        DALIL_ASSIGN_OR_RETURN(std::string sealed,
                               codec_->Seal({"users", "totp_secret", id}, *secret));
        st->BindBlob(1, sealed);
      } else {
        st->BindNull(1);
      }
      st->BindInt(2, enabled ? 1 : 0);
      st->BindInt(3, clock_->NowSeconds());
      st->BindInt(4, id);
      DALIL_RETURN_IF_ERROR(st->Run());
      const char* action = !secret ? "totp.remove" : enabled ? "totp.enable" : "totp.begin";
      return AuditLocked(actor, action, id, u.organisation_id, json::object());
    });
  }

  Status SetTotpStep(int64_t id, int64_t step) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("UPDATE users SET totp_last_step = ? WHERE id = ?"));
    st->BindInt(1, step);
    st->BindInt(2, id);
    return st->Run();
  }

  Status ReplaceRecoveryCodes(const std::string& actor, int64_t user_id,
                              const std::vector<std::string>& hashes) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto del, db_->Cached("DELETE FROM recovery_codes WHERE user_id = ?"));
      del->BindInt(1, user_id);
      DALIL_RETURN_IF_ERROR(del->Run());
      for (const std::string& h : hashes) {
        DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
            "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)"));
        st->BindInt(1, user_id);
        st->BindText(2, h);
        DALIL_RETURN_IF_ERROR(st->Run());
      }
      return AuditLocked(actor, "recovery_codes.replace", user_id, std::nullopt,
                         {{"count", hashes.size()}});
    });
  }

  Result<bool> UseRecoveryCode(const std::string& actor, int64_t user_id,
                               const std::string& hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    bool used = false;
    Status s = Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "UPDATE recovery_codes SET used_at = ? WHERE id = (SELECT id FROM recovery_codes "
          "WHERE user_id = ? AND code_hash = ? AND used_at IS NULL LIMIT 1)"));
      st->BindInt(1, clock_->NowSeconds());
      st->BindInt(2, user_id);
      st->BindText(3, hash);
      DALIL_RETURN_IF_ERROR(st->Run());
      used = db_->Changes() == 1;
      if (!used) return Status::Ok();
      return AuditLocked(actor, "recovery_code.use", user_id, std::nullopt, json::object());
    });
    if (!s.ok()) return s;
    return used;
  }

  Result<int64_t> UnusedRecoveryCodes(int64_t user_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL"));
    st->BindInt(1, user_id);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    (void)row;
    return st->Int(0);
  }

  Result<Session> CreateSession(const std::string& actor, int64_t user_id,
                                const std::string& token_hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    Session out;
    Status s = Txn([&]() -> Status {
      const int64_t now = clock_->NowSeconds();
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "INSERT INTO sessions (user_id, token_hash, created_at, last_seen, reauth_at) "
          "VALUES (?, ?, ?, ?, ?)"));
      st->BindInt(1, user_id);
      st->BindText(2, token_hash);
      st->BindInt(3, now);
      st->BindInt(4, now);
      st->BindInt(5, now);
      DALIL_RETURN_IF_ERROR(st->Run());
      out = {db_->LastInsertRowId(), user_id, now, now, now};
      return AuditLocked(actor, "session.create", user_id, std::nullopt, {{"session", out.id}});
    });
    if (!s.ok()) return s;
    return out;
  }

  Result<Session> FindSession(const std::string& token_hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "SELECT id, user_id, created_at, last_seen, reauth_at FROM sessions WHERE token_hash = ?"));
    st->BindText(1, token_hash);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::NotFound("no such session");
    return Session{st->Int(0), st->Int(1), st->Int(2), st->Int(3), st->Int(4)};
  }

  Status TouchSession(int64_t id, int64_t now) override {
    return SetColumn("UPDATE sessions SET last_seen = ? WHERE id = ?", id, now);
  }

  Status SetReauth(int64_t id, int64_t now) override {
    return SetColumn("UPDATE sessions SET reauth_at = ?, last_seen = ? WHERE id = ?", id, now, true);
  }

  Result<std::vector<Session>> ListSessions(int64_t user_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "SELECT id, user_id, created_at, last_seen, reauth_at FROM sessions WHERE user_id = ? "
        "ORDER BY id"));
    st->BindInt(1, user_id);
    std::vector<Session> out;
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back({st->Int(0), st->Int(1), st->Int(2), st->Int(3), st->Int(4)});
    }
    return out;
  }

  Status DeleteSession(const std::string& actor, int64_t user_id, int64_t id,
                       const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("DELETE FROM sessions WHERE id = ? AND user_id = ?"));
      st->BindInt(1, id);
      st->BindInt(2, user_id);
      DALIL_RETURN_IF_ERROR(st->Run());
      if (db_->Changes() != 1) return Status::NotFound("no session of yours with this id", "id");
      return AuditLocked(actor, "session.delete", user_id, std::nullopt,
                         {{"session", id}, {"reason", reason}});
    });
  }

  Result<int64_t> DeleteUserSessions(const std::string& actor, int64_t user_id,
                                     std::optional<int64_t> keep,
                                     const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t n = 0;
    Status s = Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?"));
      st->BindInt(1, user_id);
      BindOpt(*st, 2, keep);
      DALIL_RETURN_IF_ERROR(st->Run());
      n = db_->Changes();
      return AuditLocked(actor, "session.delete_all", user_id, std::nullopt,
                         {{"count", n}, {"reason", reason}});
    });
    if (!s.ok()) return s;
    return n;
  }

  Result<ApiToken> CreateToken(const std::string& actor, const ApiToken& t,
                               const std::string& token_hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    ApiToken out = t;
    Status s = Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "INSERT INTO api_tokens (user_id, organisation_id, role, name, token_hash, created_at, "
          "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
      out.created_at = clock_->NowSeconds();
      st->BindInt(1, t.user_id);
      st->BindInt(2, t.organisation_id);
      st->BindText(3, t.role);
      st->BindText(4, t.name);
      st->BindText(5, token_hash);
      st->BindInt(6, out.created_at);
      st->BindInt(7, t.expires_at);
      DALIL_RETURN_IF_ERROR(st->Run());
      out.id = db_->LastInsertRowId();
      return AuditLocked(actor, "token.create", t.user_id, t.organisation_id,
                         {{"token", out.id}, {"role", t.role}, {"expires_at", t.expires_at}});
    });
    if (!s.ok()) return s;
    return out;
  }

  Result<ApiToken> FindToken(const std::string& token_hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(std::string("SELECT ") + kTokenColumns +
                                                " FROM api_tokens WHERE token_hash = ?"));
    st->BindText(1, token_hash);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::NotFound("no such token");
    return ReadToken(*st);
  }

  Result<std::vector<ApiToken>> ListTokens(int64_t user_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(std::string("SELECT ") + kTokenColumns +
                                                " FROM api_tokens WHERE user_id = ? ORDER BY id"));
    st->BindInt(1, user_id);
    std::vector<ApiToken> out;
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(ReadToken(*st));
    }
    return out;
  }

  Status RevokeToken(const std::string& actor, int64_t user_id, int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL"));
      st->BindInt(1, clock_->NowSeconds());
      st->BindInt(2, id);
      st->BindInt(3, user_id);
      DALIL_RETURN_IF_ERROR(st->Run());
      if (db_->Changes() != 1) return Status::NotFound("no active token of yours with this id", "id");
      return AuditLocked(actor, "token.revoke", user_id, std::nullopt, {{"token", id}});
    });
  }

  Status TouchToken(int64_t id, int64_t now) override {
    return SetColumn("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", id, now);
  }

  Result<Throttle> GetThrottle(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "SELECT failures, last_failure, blocked_until FROM login_throttle WHERE key = ?"));
    st->BindText(1, key);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Throttle{};
    return Throttle{st->Int(0), st->Int(1), st->Int(2)};
  }

  Status PutThrottle(const std::string& key, const Throttle& t) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "INSERT OR REPLACE INTO login_throttle (key, failures, last_failure, blocked_until) "
        "VALUES (?, ?, ?, ?)"));
    st->BindText(1, key);
    st->BindInt(2, t.failures);
    st->BindInt(3, t.last_failure);
    st->BindInt(4, t.blocked_until);
    return st->Run();
  }

  Status ClearThrottle(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("DELETE FROM login_throttle WHERE key = ?"));
    st->BindText(1, key);
    return st->Run();
  }

  Status Audit(const std::string& actor, const std::string& action, std::optional<int64_t> user_id,
               const json& detail) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Txn([&] { return AuditLocked(actor, action, user_id, std::nullopt, detail); });
  }

  Result<Reveal> RecordReveal(const Reveal& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    Reveal out = r;
    Status s = Txn([&]() -> Status {
      DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
          "INSERT INTO reveals (at, actor, user_id, organisation_id, entity, record_id, fields) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)"));
      out.at = clock_->NowSeconds();
      st->BindInt(1, out.at);
      st->BindText(2, "user:" + std::to_string(r.user_id));
      st->BindInt(3, r.user_id);
      st->BindInt(4, r.organisation_id);
      st->BindText(5, r.entity);
      st->BindInt(6, r.record_id);
      st->BindText(7, json(r.fields).dump());
      DALIL_RETURN_IF_ERROR(st->Run());
      out.id = db_->LastInsertRowId();
      DALIL_ASSIGN_OR_RETURN(out.leaf, sqlite_ledger::AppendEvent(db_.get(), frontier_,
                                                                  ledger::kReveal, out.id));
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return out;
  }

  Result<std::vector<Reveal>> ListReveals(const std::string& entity, int64_t record_id,
                                          int64_t user_id, int64_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "SELECT id, at, user_id, organisation_id, entity, record_id, fields FROM reveals "
        "WHERE (?1 = '' OR (entity = ?1 AND record_id = ?2)) AND (?3 = 0 OR user_id = ?3) "
        "ORDER BY id DESC LIMIT ?4"));
    st->BindText(1, entity);
    st->BindInt(2, record_id);
    st->BindInt(3, user_id);
    st->BindInt(4, limit);
    std::vector<Reveal> out;
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      Reveal r{.id = st->Int(0), .at = st->Int(1), .user_id = st->Int(2),
               .organisation_id = st->Int(3), .entity = st->Text(4), .record_id = st->Int(5)};
      json fields = json::parse(st->Text(6), nullptr, false);
      if (!fields.is_array()) {
        return Status::Corruption("reveals row " + std::to_string(r.id) + ": fields is not a JSON list");
      }
      for (const json& f : fields) r.fields.push_back(f.is_string() ? f.get<std::string>() : f.dump());
      out.push_back(std::move(r));
    }
    return out;
  }

  Result<std::vector<AuditEntry>> ListAudit(int64_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "SELECT id, at, actor, action, user_id, organisation_id, detail FROM account_audit "
        "ORDER BY id DESC LIMIT ?"));
    st->BindInt(1, limit);
    std::vector<AuditEntry> out;
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back({st->Int(0), st->Int(1), st->Text(2), st->Text(3), OptInt(*st, 4),
                     OptInt(*st, 5), json::parse(st->Text(6), nullptr, false)});
    }
    return out;
  }

 private:
  // Runs fn in a write transaction; mu_ must be held. The ledger frontier
  // is brought up to date inside each transaction (sqlite_ledger::CatchUp),
  // so a rollback needs no restoring.
  Status Txn(const std::function<Status()>& fn) {
    DALIL_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    Status s = fn();
    if (s.ok()) s = db_->Exec("COMMIT");
    if (!s.ok()) db_->Exec("ROLLBACK");
    return s;
  }

  Status AuditLocked(const std::string& actor, const std::string& action,
                     std::optional<int64_t> user_id, std::optional<int64_t> organisation_id,
                     const json& detail) {
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
        "INSERT INTO account_audit (at, actor, action, user_id, organisation_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)"));
    st->BindInt(1, clock_->NowSeconds());
    st->BindText(2, actor);
    st->BindText(3, action);
    BindOpt(*st, 4, user_id);
    BindOpt(*st, 5, organisation_id);
    st->BindText(6, detail.dump(-1, ' ', false, json::error_handler_t::replace));
    DALIL_RETURN_IF_ERROR(st->Run());
    // The same row, as a ledger leaf, in the same transaction.
    return sqlite_ledger::AppendEvent(db_.get(), frontier_, ledger::kAccountEvent,
                                      db_->LastInsertRowId())
        .status();
  }

  Status SetColumn(const std::string& sql, int64_t id, int64_t now, bool twice = false) {
    std::lock_guard<std::mutex> lock(mu_);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(sql));
    st->BindInt(1, now);
    if (twice) {
      st->BindInt(2, now);
      st->BindInt(3, id);
    } else {
      st->BindInt(2, id);
    }
    return st->Run();
  }

  Result<User> ReadUser(const Statement& st) {
    User u;
    u.id = st.Int(0);
    u.organisation_id = st.Int(1);
    u.username = st.Text(2);
    u.role = st.Text(3);
    u.password_hash = st.Text(4);
    u.must_change_password = st.Int(5) != 0;
    u.disabled = st.Int(6) != 0;
    if (!st.IsNull(7)) {
      DALIL_ASSIGN_OR_RETURN(std::string secret,
                             codec_->Open({"users", "totp_secret", u.id}, st.View(7)));
      u.totp_secret = std::move(secret);
    }
    u.totp_enabled = st.Int(8) != 0;
    u.totp_last_step = OptInt(st, 9);
    u.created_at = st.Int(10);
    u.updated_at = st.Int(11);
    return u;
  }

  static ApiToken ReadToken(const Statement& st) {
    return ApiToken{st.Int(0),  st.Int(1),  st.Int(2),      st.Text(3),     st.Text(4),
                    st.Int(5),  st.Int(6),  OptInt(st, 7), OptInt(st, 8)};
  }

  template <typename Bind>
  Result<User> GetUserLocked(const std::string& where, Bind bind) {
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(std::string("SELECT ") + kUserColumns +
                                                " FROM users WHERE " + where));
    bind(*st);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::NotFound("no such user", "user");
    return ReadUser(*st);
  }

  std::mutex mu_;
  std::unique_ptr<Database> db_;
  ledger::Frontier frontier_;  // the ledger's right edge, as last seen
  std::shared_ptr<const SensitiveCodec> codec_;
  const Clock* clock_;
};

}  // namespace

Result<std::unique_ptr<AccountStore>> OpenSqliteAccounts(
    const std::string& path, std::shared_ptr<const SensitiveCodec> codec, const Clock* clock) {
  DALIL_ASSIGN_OR_RETURN(auto db, Database::Open(path, /*create=*/false));
  DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'account_audit'"));
  DALIL_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) {
    return Status::Corruption("the database has no account tables; open the store first so its "
                              "migrations run");
  }
  if (!codec) codec = NewPlaintextCodec();
  return std::unique_ptr<AccountStore>(
      std::make_unique<SqliteAccounts>(std::move(db), std::move(codec), clock));
}

}  // namespace dalil::store
