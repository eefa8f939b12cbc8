-- A run's debtor contact points with the model's inputs, for calibration measures (ECE,
-- reliability tables) and for fitting the confidence model (flows/demo). $emitted_only keeps
-- what contacts.csv holds (not suppressed).
-- Template (sql.render), slots: `feature_columns` is one `CAST(json_extract(factors, '$.x.<name>')
-- AS DOUBLE) AS x_<name>` per model feature, generated from matchers/confidence.py FEATURES.
-- city and state: with no ZIP (blank or a placeholder) the labeler places an address by them;
-- last_seen: the tie-break of the rank, to re-rank under another model when evaluating one.
SELECT account_id, contact_type, contact_key, rank, status, confidence, zip, city, state,
       address_line1, street_number, street_name, unit, phone, email, last_seen,
       CAST(json_extract(factors, '$.z') AS DOUBLE) AS z, {{feature_columns}}
FROM contact_points
WHERE run_id = $run_id AND role = 'debtor' AND (NOT $emitted_only OR status <> 'suppressed')
ORDER BY account_id, contact_type, rank;
