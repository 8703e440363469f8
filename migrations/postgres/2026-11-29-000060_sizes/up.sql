-- Stock by size: pairs per (store, shoe, EU size). A shoe's row in `stock` keeps the total,
-- so clients that only know totals keep working.
CREATE TABLE stock_sizes (
    store_id TEXT NOT NULL,
    shoe_id TEXT NOT NULL REFERENCES shoes(id) ON DELETE CASCADE,
    size_eu DOUBLE PRECISION NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (store_id, shoe_id, size_eu)
);
CREATE INDEX stock_sizes_shoe ON stock_sizes(shoe_id, size_eu);

-- Each model's fit against its brand's size chart, learned at training from measured feet
-- and the sizes tried, kept and returned (see README, "Sizes").
CREATE TABLE size_offsets (
    shoe_id TEXT PRIMARY KEY NOT NULL,
    brand TEXT NOT NULL,
    length_mm DOUBLE PRECISION NOT NULL,
    width DOUBLE PRECISION NOT NULL,
    records DOUBLE PRECISION NOT NULL,
    brand_length_mm DOUBLE PRECISION NOT NULL,
    brand_records DOUBLE PRECISION NOT NULL,
    trained_at TEXT NOT NULL
);
