-- The size sold (canonical EU), so each model's true fit can be learned from what was kept.
ALTER TABLE outcomes ADD COLUMN size_eu REAL;
