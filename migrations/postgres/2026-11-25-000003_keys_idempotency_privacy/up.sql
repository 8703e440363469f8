-- API keys: only a hash of the secret is stored; the secret is shown once at creation.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    store_id TEXT,
    secret_hash TEXT NOT NULL UNIQUE,
    cors_origins TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Idempotency-Key replays for POST /v1/fittings, per API key.
CREATE TABLE idempotency_keys (
    key_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    fitting_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
);

-- After a customer's fittings are erased, their outcomes keep a de-identified copy of the
-- fitting (no customer reference, no health answers) so they still train models.
ALTER TABLE outcomes ADD COLUMN fitting_snapshot TEXT;
