-- What 08c withheld, counted for ResolveResult (run_summary, and the run warning on placeholders
-- flows/orchestration/stages.py writes): from rs_final, before the temp tables are dropped.
SELECT count(DISTINCT contact_key) FILTER (WHERE placeholder AND contact_type = 'phone') AS placeholder_phones,
       count(DISTINCT contact_key) FILTER (WHERE placeholder AND contact_type = 'email') AS placeholder_emails,
       count(DISTINCT account_id) FILTER (WHERE placeholder) AS placeholder_accounts,
       coalesce(max(shared_debtors) FILTER (WHERE placeholder), 0) AS placeholder_max_debtors,
       count(*) FILTER (WHERE status = 'suppressed' AND NOT placeholder) AS withheld_beyond_cap
FROM rs_final;
