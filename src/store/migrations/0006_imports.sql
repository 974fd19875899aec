-- Schema version 6: imports of outside datasets (UCDP GED, ACLED, HXL CSV,
-- Dalil JSON). The records an import creates are ordinary records written
-- through the ledger; these tables remember where each came from, so a
-- second import of the same file changes nothing and a newer version of a
-- dataset updates only the rows that changed. docs/formats/import-export.md.

-- One run of `dalil import` (or an API upload).
CREATE TABLE import_runs (
  id INTEGER PRIMARY KEY,
  dataset TEXT NOT NULL,        -- "ucdp-ged", "acled" or --source-name
  format TEXT NOT NULL,         -- ucdp-ged | acled | hxl-csv | dalil-json
  file_name TEXT NOT NULL,      -- as given, without directories
  file_sha256 TEXT,             -- set when the whole file has been read
  actor TEXT NOT NULL,
  status TEXT NOT NULL,         -- running | completed | interrupted
  started_at TEXT NOT NULL,
  finished_at TEXT,
  rows_read INTEGER NOT NULL DEFAULT 0,
  imported INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  flagged INTEGER NOT NULL DEFAULT 0
);

-- The dataset's own event id -> the records made from it. `row_hash` is the
-- SHA-256 of the row's fields: equal means unchanged.
CREATE TABLE import_rows (
  dataset TEXT NOT NULL,
  event_key TEXT NOT NULL,
  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  row_hash TEXT NOT NULL,
  records TEXT NOT NULL,        -- JSON: ids of the source, claims, involvements
  run_id INTEGER NOT NULL REFERENCES import_runs(id),
  line INTEGER NOT NULL,
  PRIMARY KEY (dataset, event_key)
) WITHOUT ROWID;
CREATE INDEX import_rows_incident ON import_rows(incident_id);

-- A row of a newer version of a dataset that changed an imported event.
CREATE TABLE import_changes (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES import_runs(id),
  dataset TEXT NOT NULL,
  event_key TEXT NOT NULL,
  incident_id INTEGER NOT NULL,
  line INTEGER NOT NULL,
  old_hash TEXT NOT NULL,
  new_hash TEXT NOT NULL
);
CREATE INDEX import_changes_run ON import_changes(run_id);

-- A row that was not imported, and why. `value` is at most 200 bytes of the
-- offending cell (valid UTF-8 only; otherwise its hex).
CREATE TABLE import_rejects (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES import_runs(id),
  line INTEGER NOT NULL,
  column_name TEXT NOT NULL,
  value TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX import_rejects_run ON import_rejects(run_id);

-- Records an import created that a person should review (a place no
-- spelling matched, an actor first seen).
CREATE TABLE import_flags (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES import_runs(id),
  line INTEGER NOT NULL,
  entity TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX import_flags_run ON import_flags(run_id);
