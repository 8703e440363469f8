-- Model line and generation status, so an answer lists one generation per line.
ALTER TABLE shoes ADD COLUMN line TEXT;
ALTER TABLE shoes ADD COLUMN status TEXT;
