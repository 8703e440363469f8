ALTER TABLE outcomes DROP COLUMN synthetic;
