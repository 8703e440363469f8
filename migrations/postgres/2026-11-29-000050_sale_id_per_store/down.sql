DROP INDEX outcomes_store_sale;
ALTER TABLE outcomes ADD CONSTRAINT outcomes_sale_id_key UNIQUE (sale_id);
