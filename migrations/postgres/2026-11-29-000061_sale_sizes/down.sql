ALTER TABLE outcomes DROP COLUMN size_eu;
