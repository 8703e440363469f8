-- JSON documents become jsonb: checked as JSON on the way in, queryable in place. Model
-- artifacts stay text: a model's weights must read back bit for bit, and jsonb keeps numbers
-- as decimals and spells them anew (1e-10 comes back as 0.0000000001).
ALTER TABLE fittings ALTER COLUMN document TYPE jsonb USING document::jsonb;
ALTER TABLE outcomes ALTER COLUMN fitting_snapshot TYPE jsonb USING fitting_snapshot::jsonb;
ALTER TABLE models
    ALTER COLUMN training_summary TYPE jsonb USING training_summary::jsonb,
    ALTER COLUMN metrics TYPE jsonb USING metrics::jsonb;
ALTER TABLE model_evaluations ALTER COLUMN analysis TYPE jsonb USING analysis::jsonb;
ALTER TABLE model_activations ALTER COLUMN figures TYPE jsonb USING figures::jsonb;
ALTER TABLE try_ons
    ALTER COLUMN observations DROP DEFAULT,
    ALTER COLUMN observations TYPE jsonb USING observations::jsonb,
    ALTER COLUMN observations SET DEFAULT '[]'::jsonb;
