-- An imported fitting is stored once: its content hash (SHA-256 of the store, the customer
-- reference and the canonical document) finds the stored copy, so a re-import or a second
-- sale after the same fitting does not store it again. Fittings recorded through the API
-- have no hash (each POST is its own session).
ALTER TABLE fittings ADD COLUMN content_hash TEXT;
CREATE UNIQUE INDEX fittings_content_hash ON fittings(content_hash) WHERE content_hash IS NOT NULL;
