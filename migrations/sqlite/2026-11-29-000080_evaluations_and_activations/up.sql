-- Stored evaluations: a model re-measured on the history of the day (a job or the CLI), with
-- the held-out window it was measured on and everything the report draws (JSON).
CREATE TABLE model_evaluations (
    id TEXT PRIMARY KEY NOT NULL,
    model_version TEXT NOT NULL,
    against_version TEXT,
    job_id TEXT,
    held_out_sessions INTEGER NOT NULL,
    held_out_from TEXT,
    held_out_to TEXT,
    analysis TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX model_evaluations_by_model ON model_evaluations (model_version, created_at);

-- Every activation and rollback: when, who (key id and name; the command line has no key),
-- the version before and after, and the comparison figures known at that moment (JSON).
CREATE TABLE model_activations (
    id TEXT PRIMARY KEY NOT NULL,
    activated_at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('activation', 'rollback')),
    via TEXT NOT NULL CHECK (via IN ('http', 'command_line')),
    key_id TEXT,
    key_name TEXT,
    from_version TEXT,
    to_version TEXT NOT NULL,
    figures TEXT NOT NULL
);
CREATE INDEX model_activations_by_time ON model_activations (activated_at);
