-- A run's debtor contact points with the model's inputs, for calibration measures (ECE,
-- reliability tables) and for fitting the confidence model (flows/demo). $emitted_only keeps
-- what contacts.csv holds (not suppressed).
-- Template (sql.render), slots: `feature_columns` is one `x_<name>` column per model feature,
-- generated from matchers/confidence.py FEATURES: the value at the feature's position in
-- model_inputs (names: run_model_inputs, migration 072), or, for a run written before 072,
-- `factors.x.<name>`. A feature the run did not have reads NULL either way.
-- city and state: with no ZIP (blank or a placeholder) the labeler places an address by them;
-- last_seen: the tie-break of the rank, to re-rank under another model when evaluating one.
SELECT account_id, contact_type, contact_key, rank, status, confidence, zip, city, state,
       address_line1, street_number, street_name, unit, phone, email, last_seen,
       CAST(json_extract(factors, '$.z') AS DOUBLE) AS z, {{feature_columns}}
FROM contact_points cp
LEFT JOIN run_model_inputs mi USING (run_id)
WHERE run_id = $run_id AND role = 'debtor' AND (NOT $emitted_only OR status <> 'suppressed')
ORDER BY account_id, contact_type, rank;
