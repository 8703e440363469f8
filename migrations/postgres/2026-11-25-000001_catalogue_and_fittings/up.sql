CREATE TABLE shoes (
    id TEXT PRIMARY KEY NOT NULL,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    release_year INTEGER,
    category TEXT NOT NULL,
    support TEXT NOT NULL,
    cushioning TEXT NOT NULL,
    terrain TEXT NOT NULL,
    heel_stack_mm DOUBLE PRECISION,
    forefoot_stack_mm DOUBLE PRECISION,
    drop_mm DOUBLE PRECISION,
    weight_g DOUBLE PRECISION,
    price_usd DOUBLE PRECISION,
    widths TEXT NOT NULL,
    plated BOOLEAN NOT NULL DEFAULT FALSE,
    source TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE insoles (
    id TEXT PRIMARY KEY NOT NULL,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    arch_support TEXT NOT NULL,
    volume TEXT NOT NULL,
    cushioning TEXT NOT NULL,
    rigidity TEXT NOT NULL,
    price_usd DOUBLE PRECISION,
    source TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE stock (
    store_id TEXT NOT NULL,
    shoe_id TEXT NOT NULL REFERENCES shoes(id) ON DELETE CASCADE,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (store_id, shoe_id)
);

CREATE TABLE fittings (
    id TEXT PRIMARY KEY NOT NULL,
    store_id TEXT,
    customer_ref TEXT,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX fittings_store_id ON fittings(store_id);
CREATE INDEX fittings_customer_ref ON fittings(customer_ref);

CREATE TABLE app_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
