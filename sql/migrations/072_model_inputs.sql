-- The confidence model's inputs move out of contact_points.factors (issue 20).
--
-- Why: at 1M accounts the contact_points insert was resolve's largest statement, and the
-- factors JSON (~910 bytes a point) most of what it built and stored; two thirds of that JSON
-- was the model inputs `x`, the same ~25 feature names repeated on every row. The inputs are
-- now a typed list (`model_inputs`, one DOUBLE per feature) and the names are stored once per
-- run (`run_model_inputs.names`, in the same order), so a refit still finds each feature by
-- name even after features are added or reordered between runs. `factors` keeps the
-- explanatory facts, z, p_model and model.
--
-- Existing rows are left as they are: their `model_inputs` is NULL and their `x` stays inside
-- `factors`; the readers (calibrate/debtor_contacts.sql, audit/contact_points_explain.sql)
-- take the list when it is there and `factors.x` otherwise, so old runs read the same.
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS model_inputs DOUBLE[];

CREATE TABLE IF NOT EXISTS run_model_inputs (
    run_id VARCHAR NOT NULL,   -- one row per resolved run (09_write_clear.sql replaces it)
    names  VARCHAR[] NOT NULL  -- the feature name of each position of contact_points.model_inputs
);
