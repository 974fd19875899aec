-- Schema version 11: per-record keys of imports that are not one row per
-- event. A dalil-json record is keyed by (dataset, its "$key"), an ACLED
-- source by (dataset, "source:" + the SHA-256 of its text), so a later file
-- of the same dataset finds the record made before: unchanged ones are left
-- alone, changed ones updated (and listed in import_changes), and sources
-- are shared across versions of a dataset. docs/formats/import-export.md.
CREATE TABLE import_records (
  dataset TEXT NOT NULL,
  record_key TEXT NOT NULL,
  entity TEXT NOT NULL,         -- model entity name ("incident", "source")
  record_id INTEGER NOT NULL,
  content_hash TEXT NOT NULL,   -- SHA-256 of the record as the file gave it
  run_id INTEGER NOT NULL REFERENCES import_runs(id),
  PRIMARY KEY (dataset, record_key)
) WITHOUT ROWID;
