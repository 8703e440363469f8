DROP INDEX model_activations_by_time;
DROP TABLE model_activations;
DROP INDEX model_evaluations_by_model;
DROP TABLE model_evaluations;
