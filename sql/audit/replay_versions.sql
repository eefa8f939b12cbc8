-- The versions that produced each of two runs (code, matcher, confidence model): a replay that
-- differs from its original is explained first by a version that changed.
SELECT r.run_id, any_value(r.code_version), any_value(m.matcher_version),
       (SELECT string_agg(DISTINCT c.factors->>'model', ', ' ORDER BY c.factors->>'model') FROM contact_points c
        WHERE c.run_id = r.run_id)
FROM runs r LEFT JOIN match_model m USING (run_id)
WHERE r.run_id IN ($original, $replay) GROUP BY r.run_id;
