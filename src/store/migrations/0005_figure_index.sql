-- The figure index (docs/counting.md, "Speed"): one row per verified
-- incident with what it brings to casualty figures, kept in step with the
-- records by the store in every write transaction. Derived data: not in the
-- ledger, rebuilt from the records when its format changes
-- (figure_index_state.format) and checked by `dalil verify`.
-- Clustered by start day: a month's incidents are neighbours on disk, so a
-- date filter reads one contiguous range.
CREATE TABLE figure_index (
  start_day INTEGER NOT NULL,   -- days since 1970-01-01
  incident_id INTEGER NOT NULL,
  end_day INTEGER NOT NULL,
  place_id INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  actors BLOB NOT NULL,         -- varints: actor id * 2 + (perpetrator ? 1 : 0)
  summary BLOB NOT NULL,        -- figures::EncodeSummary
  PRIMARY KEY (start_day, incident_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX figure_index_incident ON figure_index(incident_id);
CREATE INDEX figure_index_span ON figure_index(end_day - start_day);
CREATE TABLE figure_index_state (format INTEGER NOT NULL);
