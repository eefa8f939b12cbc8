-- The run's suppression decisions, one row per (account, contact, role, rule); account-wide
-- decisions get contact_type, contact_key and role '' (PostgreSQL key columns cannot be NULL),
-- and so do contact decisions written before migration 098 recorded their point's role.
SELECT account_id, coalesce(contact_type, '') AS contact_type,
       coalesce(contact_key, '') AS contact_key, coalesce(role, '') AS role, rule,
       min(action) AS action, min(reason) AS reason, min(regulation) AS regulation
FROM suppressions
WHERE run_id = $run_id
GROUP BY account_id, coalesce(contact_type, ''), coalesce(contact_key, ''), coalesce(role, ''),
         rule
