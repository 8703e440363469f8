-- A sale id is unique within its store, not across stores: two stores' tills may number
-- sales alike, and a global constraint told one store that another's sale id exists.
-- SQLite cannot drop an inline UNIQUE, so the table is rebuilt with every row kept.
CREATE TABLE outcomes_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    sale_id TEXT NOT NULL,
    fitting_id TEXT REFERENCES fittings(id) ON DELETE SET NULL,
    store_id TEXT,
    shoe_id TEXT NOT NULL,
    insole_id TEXT,
    sold_at TEXT NOT NULL,
    returned_at TEXT,
    return_reason TEXT,
    satisfaction INTEGER,
    pain_at_follow_up DOUBLE PRECISION,
    followed_up_at TEXT,
    request_hash TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    fitting_snapshot TEXT,
    synthetic BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO outcomes_rebuilt (id, sale_id, fitting_id, store_id, shoe_id, insole_id, sold_at, returned_at,
    return_reason, satisfaction, pain_at_follow_up, followed_up_at, request_hash, created_at, updated_at,
    fitting_snapshot, synthetic)
SELECT id, sale_id, fitting_id, store_id, shoe_id, insole_id, sold_at, returned_at,
    return_reason, satisfaction, pain_at_follow_up, followed_up_at, request_hash, created_at, updated_at,
    fitting_snapshot, synthetic
FROM outcomes;
DROP TABLE outcomes;
ALTER TABLE outcomes_rebuilt RENAME TO outcomes;
CREATE INDEX outcomes_fitting_id ON outcomes(fitting_id);
CREATE INDEX outcomes_sold_at ON outcomes(sold_at);
-- Sales without a store share one scope (''), so their ids stay unique too.
CREATE UNIQUE INDEX outcomes_store_sale ON outcomes(COALESCE(store_id, ''), sale_id);
