DROP TABLE try_ons;
