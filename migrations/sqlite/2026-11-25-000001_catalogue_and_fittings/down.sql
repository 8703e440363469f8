DROP TABLE app_meta;
DROP INDEX fittings_customer_ref;
DROP INDEX fittings_store_id;
DROP TABLE fittings;
DROP TABLE stock;
DROP TABLE insoles;
DROP TABLE shoes;
