-- Back to the JSON text the previous release reads (jsonb's own spelling of each document).
ALTER TABLE fittings ALTER COLUMN document TYPE TEXT USING document::text;
ALTER TABLE outcomes ALTER COLUMN fitting_snapshot TYPE TEXT USING fitting_snapshot::text;
ALTER TABLE models
    ALTER COLUMN training_summary TYPE TEXT USING training_summary::text,
    ALTER COLUMN metrics TYPE TEXT USING metrics::text;
ALTER TABLE model_evaluations ALTER COLUMN analysis TYPE TEXT USING analysis::text;
ALTER TABLE model_activations ALTER COLUMN figures TYPE TEXT USING figures::text;
ALTER TABLE try_ons
    ALTER COLUMN observations DROP DEFAULT,
    ALTER COLUMN observations TYPE TEXT USING observations::text,
    ALTER COLUMN observations SET DEFAULT '[]';
