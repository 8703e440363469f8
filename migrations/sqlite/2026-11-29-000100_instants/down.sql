-- Back to RFC 3339 text in UTC with milliseconds, which the previous release reads.
UPDATE shoes SET
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at);
UPDATE insoles SET
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at);
UPDATE stock SET
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at);
UPDATE fittings SET
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at);
UPDATE outcomes SET
    sold_at = strftime('%Y-%m-%dT%H:%M:%fZ', sold_at),
    returned_at = strftime('%Y-%m-%dT%H:%M:%fZ', returned_at),
    followed_up_at = strftime('%Y-%m-%dT%H:%M:%fZ', followed_up_at),
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at);
UPDATE models SET
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at);
UPDATE jobs SET
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at),
    lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', lease_expires_at);
UPDATE job_leases SET
    expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', expires_at);
UPDATE api_keys SET
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at),
    revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', revoked_at);
UPDATE idempotency_keys SET
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at);
UPDATE stock_sizes SET
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at);
UPDATE size_offsets SET
    trained_at = strftime('%Y-%m-%dT%H:%M:%fZ', trained_at);
UPDATE insole_stock SET
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at);
UPDATE model_evaluations SET
    held_out_from = strftime('%Y-%m-%dT%H:%M:%fZ', held_out_from),
    held_out_to = strftime('%Y-%m-%dT%H:%M:%fZ', held_out_to),
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at);
UPDATE model_activations SET
    activated_at = strftime('%Y-%m-%dT%H:%M:%fZ', activated_at);
