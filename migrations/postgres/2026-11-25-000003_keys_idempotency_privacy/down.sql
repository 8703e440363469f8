ALTER TABLE outcomes DROP COLUMN fitting_snapshot;
DROP TABLE idempotency_keys;
DROP TABLE api_keys;
