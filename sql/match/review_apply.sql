-- Apply reviewers' decisions to run $run_id's scored pairs: approve -> role 'debtor', reject ->
-- role 'rejected' (never linked, not a location contact), with the decision id kept in
-- match_pairs.review_decision_id for lineage. The latest decision per pair wins; a pair is
-- (account, source, source record id), so a re-delivered file does not reopen a question.
--
-- Which decisions a run sees: those imported by a run that started no later than it. A replay
-- (runs.params.replay_of) sees what the replayed run saw, not decisions made since.
CREATE OR REPLACE TEMP TABLE _review_cutoff AS
SELECT coalesce(
    (SELECT o.started_at FROM runs r JOIN runs o ON o.run_id = r.params ->> 'replay_of'
      WHERE r.run_id = $run_id),
    (SELECT started_at FROM runs WHERE run_id = $run_id)
) AS cutoff;

CREATE OR REPLACE TEMP TABLE _review_effective AS
SELECT d.decision_id, d.account_id, d.source, d.record_id, d.action
FROM review_decisions d
LEFT JOIN runs i ON i.run_id = d.imported_run_id
WHERE d.kind = 'pair'
  AND (d.imported_run_id = $run_id
       OR i.started_at <= (SELECT cutoff FROM _review_cutoff)
       OR (SELECT cutoff FROM _review_cutoff) IS NULL)
QUALIFY row_number() OVER (
    PARTITION BY d.account_id, d.source, d.record_id ORDER BY d.decided_at DESC, d.decision_id DESC
) = 1;

CREATE OR REPLACE TEMP TABLE _review_hits AS
SELECT m.account_id, m.rec_id, e.decision_id, e.action
FROM match_pairs m
JOIN source_records s ON s.rec_id = m.rec_id
JOIN _review_effective e
  ON e.account_id = m.account_id AND e.source = s.source AND e.record_id = s.record_id
WHERE m.run_id = $run_id;

-- A record is the debtor of one account at most: an approval demotes another account's debtor
-- pair on that record (the reviewer chose), naming the decision that did it.
UPDATE match_pairs AS m
SET role = 'rejected', review_decision_id = h.decision_id
FROM _review_hits h
WHERE m.run_id = $run_id AND h.action = 'approve' AND m.rec_id = h.rec_id
  AND m.account_id <> h.account_id AND m.role = 'debtor';

UPDATE match_pairs AS m
SET role = CASE h.action WHEN 'approve' THEN 'debtor' ELSE 'rejected' END,
    review_decision_id = h.decision_id
FROM _review_hits h
WHERE m.run_id = $run_id AND m.account_id = h.account_id AND m.rec_id = h.rec_id;

SELECT
    count(*) FILTER (WHERE action = 'approve') AS approved,
    count(*) FILTER (WHERE action = 'reject')  AS rejected
FROM _review_hits;
