-- worklist.csv: accounts with new, usable (not held, not suppressed, confidence at least the
-- verify band) debtor contacts, most
-- valuable first: priority by balance x best new confidence, with the reasons in words. A
-- confidence is stated as the number it is, truncated to three decimals (0.995 reads 0.995,
-- never "100%"): collectors read the wording as a promise.
WITH n AS (
    SELECT account_id, contact_type, confidence, dial_mode
    FROM contact_points
    WHERE run_id = $run_id AND role = 'debtor' AND status = 'new' AND NOT coalesce(on_hold, false)
      AND confidence >= $verify  -- below the verify band a contact is held, not worked
),
a AS (
    SELECT account_id,
           max(confidence) AS best,
           count(*) FILTER (WHERE contact_type = 'address') AS n_addr,
           count(*) FILTER (WHERE contact_type = 'phone') AS n_phone,
           count(*) FILTER (WHERE contact_type = 'email') AS n_email,
           max(confidence) FILTER (WHERE contact_type = 'address') AS best_addr,
           max(confidence) FILTER (WHERE contact_type = 'phone') AS best_phone,
           max(confidence) FILTER (WHERE contact_type = 'email') AS best_email,
           bool_or(dial_mode = 'manual') AS manual
    FROM n GROUP BY account_id
),
f AS (
    SELECT account_id, string_agg(DISTINCT flag, ', ' ORDER BY flag) AS flags
    FROM account_flags WHERE run_id = $run_id AND flag = 'moved'
    GROUP BY account_id
)
SELECT CAST(row_number() OVER (ORDER BY coalesce(ca.balance, 0) * a.best DESC, a.account_id) AS INTEGER) AS priority,
       a.account_id, ca.balance, round(a.best, 4) AS best_confidence,
       round(coalesce(ca.balance, 0) * a.best, 2) AS score,
       a.n_addr AS new_addresses, a.n_phone AS new_phones, a.n_email AS new_emails,
       concat_ws('; ',
           CASE WHEN a.n_addr > 0 THEN a.n_addr || ' new address' || CASE WHEN a.n_addr > 1 THEN 'es' ELSE '' END
                || ' (best confidence ' || printf('%.3f', floor(a.best_addr * 1000) / 1000) || ' that it is current)' END,
           CASE WHEN a.n_phone > 0 THEN a.n_phone || ' new phone' || CASE WHEN a.n_phone > 1 THEN 's' ELSE '' END
                || ' (best confidence ' || printf('%.3f', floor(a.best_phone * 1000) / 1000) || ' that it reaches the debtor)' END,
           CASE WHEN a.n_email > 0 THEN a.n_email || ' new email' || CASE WHEN a.n_email > 1 THEN 's' ELSE '' END
                || ' (best confidence ' || printf('%.3f', floor(a.best_email * 1000) / 1000) || ' that it is the debtor''s)' END,
           CASE WHEN a.manual THEN 'new numbers are manual dial only (no autodialer consent)' END,
           CASE WHEN f.flags IS NOT NULL THEN 'debtor has moved' END,
           'balance ' || printf('%.2f', ca.balance)
       ) AS reasons,
       CAST($run_id AS VARCHAR) AS run_id
FROM a
LEFT JOIN current_accounts ca ON ca.account_id = a.account_id
LEFT JOIN f ON f.account_id = a.account_id
ORDER BY priority
