-- Instants become timestamptz. The stored RFC 3339 text casts as it stands (each value
-- carries its offset); indexes on these columns are rebuilt with the new type.
ALTER TABLE shoes
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE insoles
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE stock
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE fittings
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE outcomes
    ALTER COLUMN sold_at TYPE timestamptz USING sold_at::timestamptz,
    ALTER COLUMN returned_at TYPE timestamptz USING returned_at::timestamptz,
    ALTER COLUMN followed_up_at TYPE timestamptz USING followed_up_at::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE models
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE jobs
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz,
    ALTER COLUMN lease_expires_at TYPE timestamptz USING lease_expires_at::timestamptz;
ALTER TABLE job_leases
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz;
ALTER TABLE api_keys
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN revoked_at TYPE timestamptz USING revoked_at::timestamptz;
ALTER TABLE idempotency_keys
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE stock_sizes
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE size_offsets
    ALTER COLUMN trained_at TYPE timestamptz USING trained_at::timestamptz;
ALTER TABLE insole_stock
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE model_evaluations
    ALTER COLUMN held_out_from TYPE timestamptz USING held_out_from::timestamptz,
    ALTER COLUMN held_out_to TYPE timestamptz USING held_out_to::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE model_activations
    ALTER COLUMN activated_at TYPE timestamptz USING activated_at::timestamptz;
