-- Take the reviewers' queued decisions (the sidecar JSON-lines file $path) into
-- review_decisions. Idempotent: a decision already imported is skipped, so the queue file can
-- stay as it is (nothing is lost if the run fails after this step). A torn last line (a crash
-- while the workbench was appending) is skipped by ignore_errors; the next append starts a new
-- line (flows/review/store.py _locked_append), so only the torn decision is lost.
-- `replaces`: the other reviewer's pending decision this one explicitly replaced (migration 104).
INSERT INTO review_decisions (decision_id, kind, account_id, rec_id, source, record_id, action,
                              reason, decided_by, decided_at, seen_run_id, imported_run_id,
                              imported_at, replaces_decision_id)
SELECT
    q.decision_id, coalesce(q.kind, 'pair'), q.account_id, q.rec_id, q.source, q.record_id,
    q.action, q.reason, q.decided_by, q.decided_at, q.seen_run_id,
    $run_id, current_timestamp::TIMESTAMP, q.replaces
FROM read_json(
    $path,
    format = 'newline_delimited',
    ignore_errors = true,
    columns = {
        decision_id: 'VARCHAR', kind: 'VARCHAR', account_id: 'VARCHAR', rec_id: 'BIGINT',
        source: 'VARCHAR', record_id: 'VARCHAR', action: 'VARCHAR', reason: 'VARCHAR',
        decided_by: 'VARCHAR', decided_at: 'TIMESTAMP', seen_run_id: 'VARCHAR',
        replaces: 'VARCHAR'
    }
) q
WHERE q.decision_id IS NOT NULL
  AND q.action IN ('approve', 'reject')
  AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.decision_id = q.decision_id)
QUALIFY row_number() OVER (PARTITION BY q.decision_id) = 1;
