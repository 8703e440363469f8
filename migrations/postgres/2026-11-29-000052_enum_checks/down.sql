ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_known;
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_known;
ALTER TABLE models DROP CONSTRAINT models_kind_known;
ALTER TABLE outcomes
    DROP CONSTRAINT outcomes_return_reason_known,
    DROP CONSTRAINT outcomes_satisfaction_range,
    DROP CONSTRAINT outcomes_pain_range;
ALTER TABLE insoles
    DROP CONSTRAINT insoles_arch_support_known,
    DROP CONSTRAINT insoles_volume_known,
    DROP CONSTRAINT insoles_cushioning_known,
    DROP CONSTRAINT insoles_rigidity_known;
ALTER TABLE shoes
    DROP CONSTRAINT shoes_category_known,
    DROP CONSTRAINT shoes_support_known,
    DROP CONSTRAINT shoes_cushioning_known,
    DROP CONSTRAINT shoes_terrain_known,
    DROP CONSTRAINT shoes_status_known,
    DROP CONSTRAINT shoes_price_positive;
