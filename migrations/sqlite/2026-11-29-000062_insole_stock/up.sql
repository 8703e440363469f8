-- Insoles on a store's shelf, like shoes: pairs per (store, insole).
CREATE TABLE insole_stock (
    store_id TEXT NOT NULL,
    insole_id TEXT NOT NULL REFERENCES insoles(id) ON DELETE CASCADE,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (store_id, insole_id)
);
