DROP TABLE size_offsets;
DROP TABLE stock_sizes;
