-- The jobs table is the queue: a run is claimed through a lease that its replica renews while
-- it works, so at most one training run goes at a time across replicas, a cancel reaches the
-- replica running the job, and a run whose process died is marked failed once its lease lapses.
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_expires_at TEXT;
ALTER TABLE jobs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX jobs_status_created ON jobs(status, created_at);
-- One row per queue: holding it is the right to run that queue's job.
CREATE TABLE job_leases (
    queue TEXT PRIMARY KEY NOT NULL,
    job_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
