-- Reveals of identities (docs/security.md, "Revealing identities"): who
-- saw which sensitive fields of which record, and when. Never the values.
-- Append-only, like account_audit; each row is also a ledger leaf of kind
-- "reveal" written in the same transaction, and each account_audit row one
-- of kind "account_event" (docs/formats/ledger.md 1.3). The rows of
-- account_audit written before this migration get their leaves when it runs.
CREATE TABLE reveals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,              -- "user:<id>"
  user_id INTEGER NOT NULL,
  organisation_id INTEGER NOT NULL,
  entity TEXT NOT NULL,             -- "person", "source", "involvement"
  record_id INTEGER NOT NULL,
  fields TEXT NOT NULL              -- JSON array of field names
);
CREATE INDEX reveals_record ON reveals(entity, record_id);
CREATE TRIGGER reveals_no_update BEFORE UPDATE ON reveals
BEGIN SELECT RAISE(ABORT, 'reveals is append-only'); END;
CREATE TRIGGER reveals_no_delete BEFORE DELETE ON reveals
BEGIN SELECT RAISE(ABORT, 'reveals is append-only'); END;
