-- The run's suppression decisions, one row per (account, contact, rule); account-wide
-- decisions get contact_type and contact_key '' (PostgreSQL key columns cannot be NULL).
SELECT account_id, coalesce(contact_type, '') AS contact_type,
       coalesce(contact_key, '') AS contact_key, rule,
       min(action) AS action, min(reason) AS reason, min(regulation) AS regulation
FROM suppressions
WHERE run_id = $run_id
GROUP BY account_id, coalesce(contact_type, ''), coalesce(contact_key, ''), rule
