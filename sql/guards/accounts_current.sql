-- Accounts the current account files carry (the shrink window compares it with earlier runs).
SELECT count(DISTINCT account_id) AS n FROM current_accounts;
