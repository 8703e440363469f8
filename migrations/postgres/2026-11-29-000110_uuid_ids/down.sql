-- Back to the hyphenated lower-case text the previous release reads (uuid's own spelling).
ALTER TABLE outcomes DROP CONSTRAINT outcomes_fitting_id_fkey;
ALTER TABLE try_ons DROP CONSTRAINT try_ons_fitting_id_fkey;
ALTER TABLE model_activations ALTER COLUMN id TYPE TEXT USING id::text;
ALTER TABLE model_evaluations
    ALTER COLUMN id TYPE TEXT USING id::text,
    ALTER COLUMN job_id TYPE TEXT USING job_id::text;
ALTER TABLE job_leases ALTER COLUMN job_id TYPE TEXT USING job_id::text;
ALTER TABLE jobs ALTER COLUMN id TYPE TEXT USING id::text;
ALTER TABLE idempotency_keys ALTER COLUMN fitting_id TYPE TEXT USING fitting_id::text;
ALTER TABLE try_ons ALTER COLUMN fitting_id TYPE TEXT USING fitting_id::text;
ALTER TABLE outcomes
    ALTER COLUMN id TYPE TEXT USING id::text,
    ALTER COLUMN fitting_id TYPE TEXT USING fitting_id::text;
ALTER TABLE fittings ALTER COLUMN id TYPE TEXT USING id::text;
ALTER TABLE try_ons ADD CONSTRAINT try_ons_fitting_id_fkey
    FOREIGN KEY (fitting_id) REFERENCES fittings(id) ON DELETE CASCADE;
ALTER TABLE outcomes ADD CONSTRAINT outcomes_fitting_id_fkey
    FOREIGN KEY (fitting_id) REFERENCES fittings(id) ON DELETE SET NULL;
