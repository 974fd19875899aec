-- Ownership and visibility (docs/security.md, "Ownership and visibility").
-- Incidents, sources, persons and evidence belong to an organisation and
-- carry their own visibility; claims, outcomes, involvements and outcome
-- updates take their incident's; places and actors are shared reference
-- data. Both columns are NULL on records from before this migration until
-- the store adopts them for the installation's first organisation (with a
-- ledger version recording it); a NULL owner is nobody's: such a record is
-- seen by no account and by no anonymous visitor (deny by default).
--   visibility       'organisation' | 'restricted' | 'public'
--   restricted_roles JSON array of role names (visibility 'restricted')
ALTER TABLE incidents ADD COLUMN owner_organisation_id INTEGER REFERENCES organisations(id);
ALTER TABLE incidents ADD COLUMN visibility TEXT
  CHECK (visibility IN ('organisation', 'restricted', 'public'));
ALTER TABLE incidents ADD COLUMN restricted_roles TEXT;
CREATE INDEX incidents_owner ON incidents(owner_organisation_id, visibility);
CREATE INDEX incidents_published ON incidents(visibility, review_status);

ALTER TABLE sources ADD COLUMN owner_organisation_id INTEGER REFERENCES organisations(id);
ALTER TABLE sources ADD COLUMN visibility TEXT
  CHECK (visibility IN ('organisation', 'restricted', 'public'));
ALTER TABLE sources ADD COLUMN restricted_roles TEXT;
CREATE INDEX sources_owner ON sources(owner_organisation_id, visibility);

ALTER TABLE persons ADD COLUMN owner_organisation_id INTEGER REFERENCES organisations(id);
ALTER TABLE persons ADD COLUMN visibility TEXT
  CHECK (visibility IN ('organisation', 'restricted', 'public'));
ALTER TABLE persons ADD COLUMN restricted_roles TEXT;
CREATE INDEX persons_owner ON persons(owner_organisation_id, visibility);

ALTER TABLE evidence ADD COLUMN owner_organisation_id INTEGER REFERENCES organisations(id);
ALTER TABLE evidence ADD COLUMN visibility TEXT
  CHECK (visibility IN ('organisation', 'restricted', 'public'));
ALTER TABLE evidence ADD COLUMN restricted_roles TEXT;
CREATE INDEX evidence_owner ON evidence(owner_organisation_id, visibility);

-- The figure index carries each incident's owner and visibility so that a
-- scan filters by the viewer (derived data: rebuilt from the records).
DELETE FROM figure_index;
ALTER TABLE figure_index ADD COLUMN owner_organisation_id INTEGER;  -- NULL: nobody's
ALTER TABLE figure_index ADD COLUMN visibility TEXT NOT NULL DEFAULT 'organisation';
-- bit (rank - 1) of each role a restricted incident names (viewer = 1, ...)
ALTER TABLE figure_index ADD COLUMN restricted_roles INTEGER NOT NULL DEFAULT 0;
DELETE FROM figure_index_state;
