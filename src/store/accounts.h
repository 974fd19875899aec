// The account tables (migration 0008): organisations, users, sessions, API
// tokens, recovery codes, login throttling and the account audit trail.
// This layer stores and fetches; the rules (who may log in, how long a
// session lives, which role may do what) live in security/auth.h.
//
// Secrets never reach this interface in the clear except the TOTP secret,
// which is sealed by the SensitiveCodec under FieldSlot{"users",
// "totp_secret", user id} before it is stored. Every method that changes an
// account writes one account_audit row in the same transaction, naming the
// acting principal ("user:<id>", "cli" or "system") and never a secret,
// and appends that row to the ledger as an "account_event" leaf in the same
// transaction (docs/formats/ledger.md 1.3); reveals likewise ("reveal").
//
// Thread safety: safe for concurrent use; calls are serialised.
#ifndef DALIL_STORE_ACCOUNTS_H_
#define DALIL_STORE_ACCOUNTS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "base/text.h"
#include "store/sensitive.h"

namespace dalil::store {

struct Organisation {
  int64_t id = 0;
  std::string name;
  int64_t created_at = 0;
};

struct User {
  int64_t id = 0;
  int64_t organisation_id = 0;
  std::string username;
  std::string role;  // viewer, documenter, reviewer, coordinator, admin
  std::string password_hash;
  bool must_change_password = false;
  bool disabled = false;
  bool totp_enabled = false;
  std::optional<std::string> totp_secret;  // opened (base32); pending if !totp_enabled
  std::optional<int64_t> totp_last_step;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Session {
  int64_t id = 0;
  int64_t user_id = 0;
  int64_t created_at = 0;
  int64_t last_seen = 0;
  int64_t reauth_at = 0;
};

struct ApiToken {
  int64_t id = 0;
  int64_t user_id = 0;
  int64_t organisation_id = 0;
  std::string role;
  std::string name;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> revoked_at;
  std::optional<int64_t> last_used_at;
};

struct Throttle {
  int64_t failures = 0;
  int64_t last_failure = 0;
  int64_t blocked_until = 0;
};

struct AuditEntry {
  int64_t id = 0;
  int64_t at = 0;
  std::string actor;
  std::string action;
  std::optional<int64_t> user_id;
  std::optional<int64_t> organisation_id;
  nlohmann::json detail;
};

// One reveal of sensitive fields (docs/security.md, "Revealing
// identities"): who, what and when; never the values.
struct Reveal {
  int64_t id = 0;
  int64_t at = 0;
  int64_t user_id = 0;
  int64_t organisation_id = 0;
  std::string entity;  // "person", "source", "involvement"
  int64_t record_id = 0;
  std::vector<std::string> fields;
  uint64_t leaf = 0;  // the ledger leaf that records it
};

// A change to a user row; unset members stay as they are.
struct UserChange {
  std::optional<std::string> role;
  std::optional<bool> disabled;
  std::optional<std::string> password_hash;
  std::optional<bool> must_change_password;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // kConflict when the name is taken.
  virtual Result<Organisation> CreateOrganisation(const std::string& actor,
                                                  const std::string& name) = 0;
  virtual Result<std::vector<Organisation>> ListOrganisations() = 0;
  virtual Result<Organisation> GetOrganisation(int64_t id) = 0;

  // kConflict when the user name is taken (ignoring ASCII case),
  // kInvalidArgument ("organisation_id") when the organisation is missing.
  virtual Result<User> CreateUser(const std::string& actor, const User& user) = 0;
  // kNotFound when there is no such user.
  virtual Result<User> GetUser(int64_t id) = 0;
  virtual Result<User> FindUser(const std::string& username) = 0;
  // All users, or those of one organisation; ordered by id.
  virtual Result<std::vector<User>> ListUsers(std::optional<int64_t> organisation_id) = 0;
  virtual Result<int64_t> CountUsers() = 0;
  // Applies `change` and audits it as `action` with `detail` (no secrets).
  virtual Result<User> UpdateUser(const std::string& actor, int64_t id, const UserChange& change,
                                  const std::string& action, const nlohmann::json& detail) = 0;
  // Stores a (pending or enabled) TOTP secret, or clears it when nullopt.
  virtual Status SetTotp(const std::string& actor, int64_t id,
                         const std::optional<std::string>& secret, bool enabled) = 0;
  // Records the last TOTP step used (replay protection); not audited.
  virtual Status SetTotpStep(int64_t id, int64_t step) = 0;

  // Replaces the user's recovery codes by these hashes.
  virtual Status ReplaceRecoveryCodes(const std::string& actor, int64_t user_id,
                                      const std::vector<std::string>& hashes) = 0;
  // Marks the unused code with this hash as used; false if there is none.
  virtual Result<bool> UseRecoveryCode(const std::string& actor, int64_t user_id,
                                       const std::string& hash) = 0;
  virtual Result<int64_t> UnusedRecoveryCodes(int64_t user_id) = 0;

  virtual Result<Session> CreateSession(const std::string& actor, int64_t user_id,
                                        const std::string& token_hash) = 0;
  // kNotFound when no session has this token hash.
  virtual Result<Session> FindSession(const std::string& token_hash) = 0;
  virtual Status TouchSession(int64_t id, int64_t now) = 0;
  virtual Status SetReauth(int64_t id, int64_t now) = 0;
  virtual Result<std::vector<Session>> ListSessions(int64_t user_id) = 0;
  // Deletes one session of `user_id`; kNotFound when it is not theirs.
  virtual Status DeleteSession(const std::string& actor, int64_t user_id, int64_t id,
                               const std::string& reason) = 0;
  // Deletes every session of the user except `keep` (if given); returns
  // how many were deleted.
  virtual Result<int64_t> DeleteUserSessions(const std::string& actor, int64_t user_id,
                                             std::optional<int64_t> keep,
                                             const std::string& reason) = 0;

  virtual Result<ApiToken> CreateToken(const std::string& actor, const ApiToken& token,
                                       const std::string& token_hash) = 0;
  virtual Result<ApiToken> FindToken(const std::string& token_hash) = 0;
  virtual Result<std::vector<ApiToken>> ListTokens(int64_t user_id) = 0;
  // kNotFound when the token does not belong to `user_id`.
  virtual Status RevokeToken(const std::string& actor, int64_t user_id, int64_t id) = 0;
  virtual Status TouchToken(int64_t id, int64_t now) = 0;

  // Throttle counters by key; a missing key reads as all zero.
  virtual Result<Throttle> GetThrottle(const std::string& key) = 0;
  virtual Status PutThrottle(const std::string& key, const Throttle& t) = 0;
  virtual Status ClearThrottle(const std::string& key) = 0;

  // Appends an audit row on its own (for events that change no row, such
  // as a failed login).
  virtual Status Audit(const std::string& actor, const std::string& action,
                       std::optional<int64_t> user_id, const nlohmann::json& detail) = 0;
  // The latest `limit` audit rows, newest first.
  virtual Result<std::vector<AuditEntry>> ListAudit(int64_t limit) = 0;

  // Records a reveal (actor "user:<user_id>") and its ledger leaf in one
  // transaction; returns it with id, at and leaf filled. The caller shows
  // the values only once this succeeded.
  virtual Result<Reveal> RecordReveal(const Reveal& reveal) = 0;
  // The latest `limit` reveals, newest first: of one record when `entity`
  // is given (and `record_id` > 0), of one user when `user_id` > 0. `leaf`
  // is left 0 (the leaf is found by kind and id in the ledger).
  virtual Result<std::vector<Reveal>> ListReveals(const std::string& entity, int64_t record_id,
                                                  int64_t user_id, int64_t limit) = 0;
};

// Opens the account tables of the SQLite database at `path` on a
// connection of its own. The schema must already be current (open the
// Store first: it applies migrations); kCorruption otherwise. `codec`
// seals TOTP secrets (plaintext when null); `clock` gives times.
Result<std::unique_ptr<AccountStore>> OpenSqliteAccounts(
    const std::string& path, std::shared_ptr<const SensitiveCodec> codec,
    const Clock* clock = Clock::System());

}  // namespace dalil::store

#endif  // DALIL_STORE_ACCOUNTS_H_
