DROP INDEX fittings_content_hash;
ALTER TABLE fittings DROP COLUMN content_hash;
