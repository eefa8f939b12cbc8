-- What a decision posted to the workbench names, checked against the database before it is
-- queued: run $run_id, the account, the source record (source, source record id) and the pair
-- that run stored for them. The match stage applies a decision by (account, source, record id)
-- to the pairs it scores, so a decision naming anything else would be queued, imported and then
-- do nothing; the workbench refuses it instead (flows/review/app.py, decide).
SELECT
    EXISTS (SELECT 1 FROM runs WHERE run_id = $run_id) AS run_known,
    EXISTS (SELECT 1 FROM current_accounts WHERE account_id = $account_id) AS account_known,
    EXISTS (SELECT 1 FROM source_records WHERE source = $source AND record_id = $record_id)
        AS record_known,
    EXISTS (SELECT 1 FROM match_pairs m JOIN source_records s ON s.rec_id = m.rec_id
            WHERE m.run_id = $run_id AND m.account_id = $account_id AND m.rec_id = $rec_id
              AND s.source = $source AND s.record_id = $record_id) AS pair_known;
