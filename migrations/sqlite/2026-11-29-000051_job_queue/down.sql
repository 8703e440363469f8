DROP TABLE job_leases;
DROP INDEX jobs_status_created;
ALTER TABLE jobs DROP COLUMN cancel_requested;
ALTER TABLE jobs DROP COLUMN lease_expires_at;
ALTER TABLE jobs DROP COLUMN lease_owner;
