-- Sales from a simulator stay marked synthetic through import, training and the model's summary.
ALTER TABLE outcomes ADD COLUMN synthetic BOOLEAN NOT NULL DEFAULT FALSE;
