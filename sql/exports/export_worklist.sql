-- worklist.csv: what a collector must do, most urgent first.
--  * action 'estate' / 'attorney': accounts a suppression rule newly routed since the previous
--    completed run (a death confirmed: handle through the estate, Reg F 1006.2(e); a consumer
--    represented by an attorney: communicate only with the attorney, Reg F 1006.6(b)(2)). They
--    come first, largest balance first: until someone acts, any call on the account is a harm.
--  * action 'work': accounts with new, usable (not held, not suppressed, confidence at least the
--    verify band) debtor contacts, most valuable first: priority by balance x best new
--    confidence, with the reasons in words. A confidence is stated as the number it is,
--    truncated to three decimals (0.995 reads 0.995, never "100%"): collectors read the wording
--    as a promise.
--  * action 'legal_hold': accounts a legal_hold rule newly holds since the previous completed run
--    (SCRA: the holder on active duty or in the year after it, or a status that names someone
--    else). Contact is allowed; legal action is not: whoever files suits must stop or not start
--    one. They follow the routings; the account's 'work' row stays. Every row says whether a
--    legal hold applies (`legal_hold` Y/N, last so readers by position keep working), and a
--    'work' row names it in its reasons.
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
),
routed AS (
    -- account-wide routings of this run that the previous completed run did not have
    SELECT s.account_id,
           CASE s.action WHEN 'route_to_estate' THEN 'estate' ELSE 'attorney' END AS action,
           string_agg(s.reason, '; ' ORDER BY s.rule) AS why
    FROM suppressions s
    WHERE s.run_id = $run_id AND s.contact_type IS NULL
      AND s.action IN ('route_to_estate', 'route_to_attorney')
      AND NOT EXISTS (
          SELECT 1 FROM suppressions p
          WHERE p.run_id = $prev_run_id AND p.account_id = s.account_id
            AND p.contact_type IS NULL AND p.action = s.action)
    GROUP BY s.account_id, s.action
),
legal AS (
    SELECT account_id, string_agg(reason, '; ' ORDER BY rule) AS why, bool_and(is_new) AS is_new
    FROM (SELECT s.account_id, s.rule, s.reason,
                 NOT EXISTS (SELECT 1 FROM suppressions p
                             WHERE p.run_id = $prev_run_id AND p.account_id = s.account_id
                               AND p.contact_type IS NULL AND p.action = 'legal_hold') AS is_new
          FROM suppressions s
          WHERE s.run_id = $run_id AND s.contact_type IS NULL AND s.action = 'legal_hold')
    GROUP BY account_id
),
work AS (
    SELECT 1 AS tier, 'work' AS action, a.account_id, ca.balance, round(a.best, 4) AS best_confidence,
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
               'LEGAL HOLD: ' || lg.why,
               'balance ' || printf('%.2f', ca.balance)
           ) AS reasons
    FROM a
    LEFT JOIN current_accounts ca ON ca.account_id = a.account_id
    LEFT JOIN f ON f.account_id = a.account_id
    LEFT JOIN legal lg ON lg.account_id = a.account_id
    WHERE a.account_id NOT IN (SELECT account_id FROM routed)
),
route AS (
    SELECT 0 AS tier, r.action, r.account_id, ca.balance, NULL::DOUBLE AS best_confidence,
           round(coalesce(ca.balance, 0), 2) AS score, 0 AS new_addresses, 0 AS new_phones,
           0 AS new_emails,
           concat_ws('; ',
               CASE r.action
                   WHEN 'estate' THEN 'handle through the estate (Reg F 1006.2(e)): stop collecting from the consumer, do not use their own contacts, verify the death and find the estate''s representative'
                   ELSE 'contact the attorney only (Reg F 1006.6(b)(2)): no calls, letters or messages to the consumer'
               END,
               r.why,
               'balance ' || printf('%.2f', ca.balance)
           ) AS reasons
    FROM routed r
    LEFT JOIN current_accounts ca ON ca.account_id = r.account_id
    UNION ALL
    SELECT 0, 'legal_hold', lg.account_id, ca.balance, NULL::DOUBLE,
           round(coalesce(ca.balance, 0), 2), 0, 0, 0,
           concat_ws('; ',
               'no legal action (SCRA, 50 USC 3931): do not file or pursue a suit or a default judgment; contacting the consumer is allowed',
               lg.why,
               'balance ' || printf('%.2f', ca.balance)
           )
    FROM legal lg
    LEFT JOIN current_accounts ca ON ca.account_id = lg.account_id
    WHERE lg.is_new
)
-- An account routed both ways (a represented consumer who died) has two rows of one score: the
-- estate's first, as a death ends the attorney's role, a legal hold last; the order is total,
-- so a replayed run writes the same file byte for byte.
SELECT CAST(row_number() OVER (ORDER BY tier, score DESC, w.account_id,
                                        CASE action WHEN 'estate' THEN 0 WHEN 'attorney' THEN 1
                                                    ELSE 2 END)
            AS INTEGER) AS priority,
       action, w.account_id, balance, best_confidence, score, new_addresses, new_phones,
       new_emails, reasons, CAST($run_id AS VARCHAR) AS run_id,
       CASE WHEN lg.account_id IS NULL THEN 'N' ELSE 'Y' END AS legal_hold
FROM (SELECT * FROM route UNION ALL SELECT * FROM work) w
LEFT JOIN legal lg ON lg.account_id = w.account_id
ORDER BY priority
