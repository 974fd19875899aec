-- The figure index (docs/counting.md, "Speed"): one row per verified
-- incident with what it brings to casualty figures, kept in step with the
-- records by the store in every write transaction. Derived data: not in the
-- ledger, rebuilt from the records when its format changes
-- (figure_index_state.format) and checked by `dalil verify`.
CREATE TABLE figure_index (
  incident_id INTEGER PRIMARY KEY,
  start_day INTEGER NOT NULL,   -- days since 1970-01-01
  end_day INTEGER NOT NULL,
  place_id INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  actors BLOB NOT NULL,         -- varints: actor id * 2 + (perpetrator ? 1 : 0)
  summary BLOB NOT NULL         -- figures::EncodeSummary
);
CREATE INDEX figure_index_start ON figure_index(start_day);
CREATE INDEX figure_index_span ON figure_index(end_day - start_day);
CREATE TABLE figure_index_state (format INTEGER NOT NULL);
