-- Instants are rewritten in the one fixed-width UTC form the service now writes
-- (`2026-10-01 10:00:00.000000+00:00`), so that text order is time order again: sale times
-- were stored to the second and service times to the millisecond, which sort wrongly
-- against each other as text. strftime reads any RFC 3339 offset and gives UTC.
UPDATE shoes SET
    updated_at = strftime('%Y-%m-%d %H:%M:%f', updated_at) || '000+00:00';
UPDATE insoles SET
    updated_at = strftime('%Y-%m-%d %H:%M:%f', updated_at) || '000+00:00';
UPDATE stock SET
    updated_at = strftime('%Y-%m-%d %H:%M:%f', updated_at) || '000+00:00';
UPDATE fittings SET
    created_at = strftime('%Y-%m-%d %H:%M:%f', created_at) || '000+00:00';
UPDATE outcomes SET
    sold_at = strftime('%Y-%m-%d %H:%M:%f', sold_at) || '000+00:00',
    returned_at = strftime('%Y-%m-%d %H:%M:%f', returned_at) || '000+00:00',
    followed_up_at = strftime('%Y-%m-%d %H:%M:%f', followed_up_at) || '000+00:00',
    created_at = strftime('%Y-%m-%d %H:%M:%f', created_at) || '000+00:00',
    updated_at = strftime('%Y-%m-%d %H:%M:%f', updated_at) || '000+00:00';
UPDATE models SET
    created_at = strftime('%Y-%m-%d %H:%M:%f', created_at) || '000+00:00';
UPDATE jobs SET
    created_at = strftime('%Y-%m-%d %H:%M:%f', created_at) || '000+00:00',
    updated_at = strftime('%Y-%m-%d %H:%M:%f', updated_at) || '000+00:00',
    lease_expires_at = strftime('%Y-%m-%d %H:%M:%f', lease_expires_at) || '000+00:00';
UPDATE job_leases SET
    expires_at = strftime('%Y-%m-%d %H:%M:%f', expires_at) || '000+00:00';
UPDATE api_keys SET
    created_at = strftime('%Y-%m-%d %H:%M:%f', created_at) || '000+00:00',
    revoked_at = strftime('%Y-%m-%d %H:%M:%f', revoked_at) || '000+00:00';
UPDATE idempotency_keys SET
    created_at = strftime('%Y-%m-%d %H:%M:%f', created_at) || '000+00:00';
UPDATE stock_sizes SET
    updated_at = strftime('%Y-%m-%d %H:%M:%f', updated_at) || '000+00:00';
UPDATE size_offsets SET
    trained_at = strftime('%Y-%m-%d %H:%M:%f', trained_at) || '000+00:00';
UPDATE insole_stock SET
    updated_at = strftime('%Y-%m-%d %H:%M:%f', updated_at) || '000+00:00';
UPDATE model_evaluations SET
    held_out_from = strftime('%Y-%m-%d %H:%M:%f', held_out_from) || '000+00:00',
    held_out_to = strftime('%Y-%m-%d %H:%M:%f', held_out_to) || '000+00:00',
    created_at = strftime('%Y-%m-%d %H:%M:%f', created_at) || '000+00:00';
UPDATE model_activations SET
    activated_at = strftime('%Y-%m-%d %H:%M:%f', activated_at) || '000+00:00';
