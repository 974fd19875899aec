-- Schema version 4: merging duplicate persons. A reviewer sets
-- merged_into_id on the duplicate; figures count the two as one person.
-- The change is an ordinary update, so the ledger records every merge and
-- un-merge.
ALTER TABLE persons ADD COLUMN merged_into_id INTEGER REFERENCES persons(id) ON DELETE RESTRICT;
CREATE INDEX persons_merged_into ON persons(merged_into_id);
