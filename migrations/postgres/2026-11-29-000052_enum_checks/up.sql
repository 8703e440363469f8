-- PostgreSQL refuses a value no release writes: each stored enum column takes only its
-- variants (the Rust enums' names; a test writes every variant through the service).
ALTER TABLE shoes
    ADD CONSTRAINT shoes_category_known CHECK (category IN ('daily', 'cushioned', 'tempo', 'race')),
    ADD CONSTRAINT shoes_support_known CHECK (support IN ('neutral', 'stability', 'motion_control')),
    ADD CONSTRAINT shoes_cushioning_known CHECK (cushioning IN ('low', 'moderate', 'high', 'max')),
    ADD CONSTRAINT shoes_terrain_known CHECK (terrain IN ('road', 'trail', 'road_trail')),
    ADD CONSTRAINT shoes_status_known CHECK (status IS NULL OR status IN ('current', 'previous', 'discontinued')),
    ADD CONSTRAINT shoes_price_positive CHECK (price_usd IS NULL OR price_usd >= 0);
ALTER TABLE insoles
    ADD CONSTRAINT insoles_arch_support_known CHECK (arch_support IN ('neutral', 'low', 'medium', 'high')),
    ADD CONSTRAINT insoles_volume_known CHECK (volume IN ('low', 'medium', 'high')),
    ADD CONSTRAINT insoles_cushioning_known CHECK (cushioning IN ('low', 'moderate', 'high')),
    ADD CONSTRAINT insoles_rigidity_known CHECK (rigidity IN ('flexible', 'semi_rigid', 'rigid'));
ALTER TABLE outcomes
    ADD CONSTRAINT outcomes_return_reason_known
        CHECK (return_reason IS NULL OR return_reason IN ('fit', 'comfort', 'pain', 'defect', 'changed_mind', 'other')),
    ADD CONSTRAINT outcomes_satisfaction_range CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),
    ADD CONSTRAINT outcomes_pain_range CHECK (pain_at_follow_up IS NULL OR pain_at_follow_up BETWEEN 0 AND 10);
ALTER TABLE models
    ADD CONSTRAINT models_kind_known CHECK (kind IN ('logistic_regression', 'interaction_ranker'));
ALTER TABLE jobs
    ADD CONSTRAINT jobs_kind_known CHECK (kind IN ('training', 'evaluation'));
ALTER TABLE api_keys
    ADD CONSTRAINT api_keys_role_known CHECK (role IN ('staff', 'storefront', 'analyst', 'admin'));
