-- Per-key rate limits set at `keys create`; NULL keeps the service-wide default.
ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER;
ALTER TABLE api_keys ADD COLUMN rate_limit_burst INTEGER;
