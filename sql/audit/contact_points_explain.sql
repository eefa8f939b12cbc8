-- One account's contact points of a run as explain shows them: `factors` whole, with the model
-- inputs under "x" as before migration 072 (the typed model_inputs list, named by the run's
-- run_model_inputs row, put back into the JSON as its last key, nulls kept, the text the run
-- would have stored before; a run written before 072 has "x" in factors). Not json_merge_patch:
-- a merge patch drops null members.
SELECT cp.* EXCLUDE (factors, model_inputs),
       CASE WHEN cp.model_inputs IS NULL OR mi.names IS NULL THEN cp.factors
            ELSE CAST(substr(CAST(cp.factors AS VARCHAR), 1, length(CAST(cp.factors AS VARCHAR)) - 1)
                 || ',"x":' || CAST(to_json(map(mi.names, cp.model_inputs)) AS VARCHAR) || '}' AS JSON)
       END AS factors
FROM contact_points cp
LEFT JOIN run_model_inputs mi USING (run_id)
WHERE cp.run_id = $run_id AND cp.account_id = $account_id
ORDER BY cp.contact_type, cp.role, cp.rank NULLS LAST, cp.confidence DESC, cp.contact_key;
