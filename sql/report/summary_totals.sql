-- run_summary.json "totals": matched debtors and associates, contacts emitted and suppressed,
-- quarantined lines.
SELECT
  (SELECT count(*) FROM match_pairs WHERE run_id = $run_id AND role = 'debtor') AS matched,
  (SELECT count(*) FROM match_pairs WHERE run_id = $run_id AND role = 'associate') AS associates,
  (SELECT count(*) FROM contact_points WHERE run_id = $run_id AND status <> 'suppressed') AS emitted,
  (SELECT count(*) FROM contact_points WHERE run_id = $run_id AND status = 'suppressed') AS suppressed,
  (SELECT count(*) FROM quarantine WHERE run_id = $run_id) AS quarantined;
