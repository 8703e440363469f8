-- Ids that are always UUIDs become uuid: 16 bytes instead of 37 in every row and index, and
-- a value that is not a UUID is refused. Every release wrote them as hyphenated lower-case
-- UUID text, which casts as it stands (a value that does not cast fails the migration, which
-- then changes nothing). Model versions, key ids, shoe and store ids are not UUIDs and stay
-- text. The foreign keys onto fittings.id are dropped while both ends change type.
ALTER TABLE outcomes DROP CONSTRAINT outcomes_fitting_id_fkey;
ALTER TABLE try_ons DROP CONSTRAINT try_ons_fitting_id_fkey;
ALTER TABLE fittings ALTER COLUMN id TYPE uuid USING id::uuid;
ALTER TABLE outcomes
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN fitting_id TYPE uuid USING fitting_id::uuid;
ALTER TABLE try_ons ALTER COLUMN fitting_id TYPE uuid USING fitting_id::uuid;
ALTER TABLE idempotency_keys ALTER COLUMN fitting_id TYPE uuid USING fitting_id::uuid;
ALTER TABLE jobs ALTER COLUMN id TYPE uuid USING id::uuid;
ALTER TABLE job_leases ALTER COLUMN job_id TYPE uuid USING job_id::uuid;
ALTER TABLE model_evaluations
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN job_id TYPE uuid USING job_id::uuid;
ALTER TABLE model_activations ALTER COLUMN id TYPE uuid USING id::uuid;
ALTER TABLE outcomes ADD CONSTRAINT outcomes_fitting_id_fkey
    FOREIGN KEY (fitting_id) REFERENCES fittings(id) ON DELETE SET NULL;
ALTER TABLE try_ons ADD CONSTRAINT try_ons_fitting_id_fkey
    FOREIGN KEY (fitting_id) REFERENCES fittings(id) ON DELETE CASCADE;
