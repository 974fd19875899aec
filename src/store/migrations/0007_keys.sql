-- Schema version 7: encryption at rest (docs/security.md).
--
-- The data keys, each sealed ("wrapped") under the master key, which is
-- never stored here. Every sealed value records the version of the key that
-- sealed it; the highest version seals new values. `dalil keys rotate` adds
-- a version, re-encrypts every value and file, then deletes the old ones.
CREATE TABLE data_keys (
  version INTEGER PRIMARY KEY,
  wrapped BLOB NOT NULL,
  created_at TEXT NOT NULL
);

-- How the master key is obtained and a value that opens only under it:
--   master       'file' or 'passphrase'
--   master_check a constant sealed under the master key (tells a wrong key
--                from a damaged one)
--   kdf_salt, kdf_ops, kdf_mem  Argon2id parameters (passphrase only)
CREATE TABLE key_settings (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;

-- Sensitive fields the issue names that the schema lacked (sealed, like
-- every sensitive column).
ALTER TABLE persons ADD COLUMN home_location BLOB;
ALTER TABLE involvements ADD COLUMN perpetrator_names BLOB;
