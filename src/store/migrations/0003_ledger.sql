-- Schema version 3: the tamper-evident ledger (docs/formats/ledger.md).
-- Records that exist when this migration runs (the seeded places) are
-- adopted by the store right after it, as "create" leaves by "system".

-- Leaf i: its bytes (section 2) and SHA-256(0x00 || bytes).
CREATE TABLE ledger_leaves (
  idx INTEGER PRIMARY KEY,
  data BLOB NOT NULL,
  hash BLOB NOT NULL
);

-- Roots of complete perfect subtrees, level >= 1 (level 0 is the leaves).
CREATE TABLE ledger_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Every version of every record, never overwritten: its canonical content
-- (sensitive fields as salted commitments), the salt, and the sensitive
-- values of that version sealed by the sensitive-field codec.
CREATE TABLE record_versions (
  leaf_index INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  op INTEGER NOT NULL,
  content TEXT,
  salt BLOB,
  secrets BLOB
);
CREATE UNIQUE INDEX record_versions_record ON record_versions(entity, entity_id, version);

-- Signed checkpoints, one per signed tree size.
CREATE TABLE ledger_checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  signed_at TEXT NOT NULL
);
