-- A sale id is unique within its store, not across stores: two stores' tills may number
-- sales alike, and a global constraint told one store that another's sale id exists.
ALTER TABLE outcomes DROP CONSTRAINT outcomes_sale_id_key;
-- Sales without a store share one scope (''), so their ids stay unique too.
CREATE UNIQUE INDEX outcomes_store_sale ON outcomes ((COALESCE(store_id, '')), sale_id);
