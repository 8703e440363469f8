DROP TABLE jobs;
DROP TABLE models;
DROP INDEX outcomes_sold_at;
DROP INDEX outcomes_fitting_id;
DROP TABLE outcomes;
