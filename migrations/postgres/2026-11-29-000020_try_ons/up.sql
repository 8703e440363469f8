-- Shoes tried on in a fitting: bought against tried-and-put-back is what the ranking
-- model learns from. Erased with the fitting (ON DELETE CASCADE).
CREATE TABLE try_ons (
    fitting_id TEXT NOT NULL REFERENCES fittings(id) ON DELETE CASCADE,
    shoe_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    size_eu DOUBLE PRECISION,
    comfort INTEGER CHECK (comfort BETWEEN 1 AND 5),
    observations TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (fitting_id, shoe_id)
);
