DROP TABLE insole_stock;
