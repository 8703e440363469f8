-- Sales outcomes: one row per sale, updated when a return or a follow-up arrives.
CREATE TABLE outcomes (
    id TEXT PRIMARY KEY NOT NULL,
    sale_id TEXT NOT NULL UNIQUE,
    fitting_id TEXT REFERENCES fittings(id) ON DELETE SET NULL,
    store_id TEXT,
    shoe_id TEXT NOT NULL,
    insole_id TEXT,
    sold_at TEXT NOT NULL,
    returned_at TEXT,
    return_reason TEXT,
    satisfaction INTEGER,
    pain_at_follow_up DOUBLE PRECISION,
    followed_up_at TEXT,
    request_hash TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX outcomes_fitting_id ON outcomes(fitting_id);
CREATE INDEX outcomes_sold_at ON outcomes(sold_at);

-- Trained models: the serialised artifact with its feature-schema hash, data summary and metrics.
CREATE TABLE models (
    version TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    schema_hash TEXT NOT NULL,
    artifact TEXT NOT NULL,
    training_summary TEXT NOT NULL,
    metrics TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Background jobs (training runs) with progress, visible to every replica.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    progress DOUBLE PRECISION NOT NULL,
    message TEXT NOT NULL,
    model_version TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
