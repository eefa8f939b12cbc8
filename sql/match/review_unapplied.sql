-- The decisions run $run_id imported that name no pair it scored: no stored pair of the run has
-- their account, source and source record id, so applying them changed nothing. Why look: the
-- queue file is plain JSON lines that anything can append to (a decision edited by hand, made
-- for an account since closed, or forged); a decision that does nothing must be said, not
-- dropped silently (matchers/review_decisions.py, unapplied_warnings). Why each was missed:
-- 'account' (no such account in the current export), 'record' (no such source record), or
-- 'pair' (both exist; this run stored no pair of them).
SELECT d.decision_id, d.account_id, d.source, d.record_id, d.decided_by,
       CASE
           WHEN NOT EXISTS (SELECT 1 FROM current_accounts a WHERE a.account_id = d.account_id)
               THEN 'account'
           WHEN NOT EXISTS (SELECT 1 FROM source_records s
                            WHERE s.source = d.source AND s.record_id = d.record_id)
               THEN 'record'
           ELSE 'pair'
       END AS missing
FROM review_decisions d
WHERE d.imported_run_id = $run_id AND d.kind = 'pair'
  AND NOT EXISTS (SELECT 1 FROM match_pairs m JOIN source_records s ON s.rec_id = m.rec_id
                  WHERE m.run_id = $run_id AND m.account_id = d.account_id
                    AND s.source = d.source AND s.record_id = d.record_id)
ORDER BY d.decided_at, d.decision_id;
