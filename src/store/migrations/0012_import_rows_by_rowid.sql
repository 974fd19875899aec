-- Schema version 12: import_rows becomes a rowid table. Its rows are
-- appended in import order; only the (dataset, event key) index takes keys
-- out of order (a dataset's own ids, "IRQ10" between "IRQ1" and "IRQ2").
-- As a WITHOUT ROWID table keyed by them, every import placed whole rows
-- (hash and record ids, about 250 bytes) at scattered places of one large
-- B-tree; now only the small index entries are scattered.
-- docs/formats/import-export.md, "Speed".
CREATE TABLE import_rows_by_rowid (
  id INTEGER PRIMARY KEY,
  dataset TEXT NOT NULL,
  event_key TEXT NOT NULL,
  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  row_hash TEXT NOT NULL,
  records TEXT NOT NULL,        -- JSON: ids of the source, claims, involvements
  run_id INTEGER NOT NULL REFERENCES import_runs(id),
  line INTEGER NOT NULL
);
INSERT INTO import_rows_by_rowid (dataset, event_key, incident_id, row_hash, records, run_id, line)
  SELECT dataset, event_key, incident_id, row_hash, records, run_id, line FROM import_rows
  ORDER BY run_id, line;
DROP TABLE import_rows;
ALTER TABLE import_rows_by_rowid RENAME TO import_rows;
CREATE UNIQUE INDEX import_rows_key ON import_rows(dataset, event_key);
CREATE INDEX import_rows_incident ON import_rows(incident_id);
