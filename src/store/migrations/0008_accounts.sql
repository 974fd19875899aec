-- Accounts (docs/security.md, "Accounts and sessions"): organisations,
-- their users and roles, login sessions, API tokens, recovery codes, login
-- throttling and the append-only account audit trail. Secrets are never
-- stored: passwords as Argon2id hashes, tokens and recovery codes as
-- SHA-256 hashes, TOTP secrets sealed by the store's SensitiveCodec under
-- (users, totp_secret, id). Times are seconds since the Unix epoch.
CREATE TABLE organisations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  organisation_id INTEGER NOT NULL REFERENCES organisations(id),
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL
    CHECK (role IN ('viewer', 'documenter', 'reviewer', 'coordinator', 'admin')),
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  totp_secret BLOB,                       -- sealed; pending until totp_enabled
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  totp_last_step INTEGER,                 -- replay protection
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX users_organisation ON users(organisation_id);

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  reauth_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  organisation_id INTEGER NOT NULL REFERENCES organisations(id),
  role TEXT NOT NULL
    CHECK (role IN ('viewer', 'documenter', 'reviewer', 'coordinator', 'admin')),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE recovery_codes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  code_hash TEXT NOT NULL,
  used_at INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

-- One row per throttled key ("account:<name>" or "address:<ip>").
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure INTEGER NOT NULL,
  blocked_until INTEGER NOT NULL
) WITHOUT ROWID;

-- Who changed which account, when: never a secret. Append-only.
CREATE TABLE account_audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,          -- "user:<id>", "cli" or "system"
  action TEXT NOT NULL,         -- "user.create", "session.revoke", ...
  user_id INTEGER,              -- the account concerned, if any
  organisation_id INTEGER,
  detail TEXT NOT NULL          -- JSON object without secrets
);
CREATE TRIGGER account_audit_no_update BEFORE UPDATE ON account_audit
BEGIN SELECT RAISE(ABORT, 'account_audit is append-only'); END;
CREATE TRIGGER account_audit_no_delete BEFORE DELETE ON account_audit
BEGIN SELECT RAISE(ABORT, 'account_audit is append-only'); END;
