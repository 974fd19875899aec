-- Dalil schema version 1: the documentation data model.
-- Every record table carries the same system columns:
--   id, version (1 on create, +1 per update), created_at/updated_at
--   (ISO-8601 UTC), created_by/updated_by (account name or "system").
-- Sensitive columns are declared BLOB: they hold whatever the
-- sensitive-field codec produces (plaintext today, ciphertext later).

CREATE TABLE places (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  parent_id INTEGER REFERENCES places(id) ON DELETE RESTRICT,
  level TEXT NOT NULL,
  name_ar TEXT, name_en TEXT,
  alt_names TEXT,            -- JSON array of strings
  iso_code TEXT UNIQUE,
  latitude REAL, longitude REAL
);
CREATE INDEX places_parent ON places(parent_id);

CREATE TABLE actors (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  name_ar TEXT, name_en TEXT,
  kind TEXT NOT NULL,
  parent_id INTEGER REFERENCES actors(id) ON DELETE RESTRICT,
  alt_names TEXT
);
CREATE INDEX actors_parent ON actors(parent_id);

CREATE TABLE sources (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  kind TEXT NOT NULL,
  reliability TEXT NOT NULL,
  title TEXT, citation TEXT, url TEXT,
  published_date TEXT,
  language TEXT,
  witness_identity BLOB,
  notes TEXT
);

CREATE TABLE persons (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  name BLOB NOT NULL,
  name_variants BLOB,
  contact BLOB,
  sex TEXT,
  age_min INTEGER, age_max INTEGER,
  occupation TEXT,
  affiliation BLOB,
  notes TEXT
);

CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  title_ar TEXT, title_en TEXT,
  description_ar TEXT, description_en TEXT,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  date_precision TEXT NOT NULL DEFAULT 'day',
  place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE RESTRICT,
  latitude REAL, longitude REAL,
  geo_precision INTEGER,
  event_type TEXT NOT NULL,
  sub_event_type TEXT,
  review_status TEXT NOT NULL DEFAULT 'draft',
  tags TEXT
);
CREATE INDEX incidents_place ON incidents(place_id);
CREATE INDEX incidents_dates ON incidents(start_date, end_date);
CREATE INDEX incidents_type ON incidents(event_type);
CREATE INDEX incidents_status ON incidents(review_status);

CREATE TABLE involvements (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
  actor_id INTEGER NOT NULL REFERENCES actors(id) ON DELETE RESTRICT,
  role TEXT NOT NULL,
  attribution TEXT NOT NULL DEFAULT 'unknown',
  notes TEXT
);
CREATE INDEX involvements_incident ON involvements(incident_id);
CREATE INDEX involvements_actor ON involvements(actor_id);

CREATE TABLE outcomes (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE RESTRICT,
  kind TEXT NOT NULL,
  means TEXT,
  date TEXT,
  source_id INTEGER REFERENCES sources(id) ON DELETE RESTRICT,
  notes TEXT
);
CREATE INDEX outcomes_incident ON outcomes(incident_id);
CREATE INDEX outcomes_person ON outcomes(person_id);

CREATE TABLE outcome_updates (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  outcome_id INTEGER NOT NULL REFERENCES outcomes(id) ON DELETE RESTRICT,
  status TEXT NOT NULL,
  date TEXT NOT NULL,
  source_id INTEGER REFERENCES sources(id) ON DELETE RESTRICT,
  notes TEXT
);
CREATE INDEX outcome_updates_outcome ON outcome_updates(outcome_id, date);

CREATE TABLE claims (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE RESTRICT,
  category TEXT NOT NULL,
  count_min INTEGER NOT NULL CHECK (count_min >= 0),
  count_max INTEGER CHECK (count_max IS NULL OR count_max >= count_min),
  count_best INTEGER,
  quote TEXT
);
CREATE INDEX claims_incident ON claims(incident_id, category);
CREATE INDEX claims_source ON claims(source_id);

-- Metadata of evidence files; the bytes live in the data directory under
-- evidence/<first two hex digits>/<sha256>, written before this row.
CREATE TABLE evidence (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  original_name TEXT,
  media_type TEXT,
  incident_id INTEGER REFERENCES incidents(id) ON DELETE RESTRICT,
  source_id INTEGER REFERENCES sources(id) ON DELETE RESTRICT,
  description TEXT
);
