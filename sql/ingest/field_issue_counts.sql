-- Field issues of one run by source, column, reason and action (run_summary.json, report.html).
SELECT source, column_name, reason, action, count(*) AS n
FROM field_issues
WHERE run_id = $run_id
GROUP BY ALL
ORDER BY source, n DESC, column_name, reason;
