-- Schema version 3: the tamper-evident ledger (docs/formats/ledger.md).
-- Records that exist when this migration runs (the seeded places) are
-- adopted by the store right after it, as "create" leaves by "system".

-- One row per leaf, appended at the right edge only: the leaf's bytes, the
-- hashes it completes, and the record version it records. One B-tree, no
-- secondary index, so a change costs one more page per commit, not four.
CREATE TABLE ledger (
  idx INTEGER PRIMARY KEY,  -- leaf index = the leaf's sequence number
  leaf BLOB NOT NULL,       -- encoded leaf (section 2)
  hashes BLOB NOT NULL,     -- leaf hash, then the perfect-subtree roots it completes
  prev INTEGER,             -- leaf of the record's previous version; NULL for a create
  content TEXT,             -- canonical content (section 1.1); NULL for a delete
  salt BLOB,                -- salt of the sensitive-field commitments
  secrets BLOB              -- this version's sensitive values, sealed by the codec
);

-- Where a deleted record's history ends (deletes are rare).
CREATE TABLE ledger_tombstones (
  entity TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  leaf INTEGER NOT NULL,
  PRIMARY KEY (entity, entity_id)
) WITHOUT ROWID;

-- Signed checkpoints, one per signed tree size.
CREATE TABLE ledger_checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  signed_at TEXT NOT NULL
);

-- Each record points at the leaf of its latest version.
ALTER TABLE places ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE actors ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE sources ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE persons ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE incidents ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE involvements ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE outcomes ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE outcome_updates ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE claims ADD COLUMN ledger_leaf INTEGER;
ALTER TABLE evidence ADD COLUMN ledger_leaf INTEGER;
