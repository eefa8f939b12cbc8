-- Outcomes run $run_id stored that act on nothing, per origin: an account the current account
-- files do not hold, or a verdict (right party, wrong number, disconnected, returned mail,
-- moved) on a contact the account does not have among the run's contact points (any role,
-- suppressed ones included). The rows this run stored, and those stored by runs since the
-- last completed one that did not complete themselves (refused, failed: their warnings
-- reached no one, and their rows stay stored): an older row was reported by the run that
-- stored it. ids: the rows' origin_id (file:line, or outcome_id), never a contact.
WITH since AS (
    SELECT coalesce(max(run_id), '') AS last_completed FROM runs
    WHERE status = 'completed' AND run_id < $run_id
),
o AS (
    SELECT * FROM contact_outcomes
    WHERE run_id = $run_id
       OR run_id IN (SELECT r.run_id FROM runs r, since
                     WHERE r.status <> 'completed' AND r.run_id > since.last_completed
                       AND r.run_id < $run_id)
),
flagged AS (
    SELECT o.origin, o.origin_seq, o.origin_id,
           a.account_id IS NULL AS no_account,
           a.account_id IS NOT NULL AND c.account_id IS NULL
               AND list_contains(verdict_outcomes(), o.outcome)
               AS no_contact
    FROM o
    LEFT JOIN (SELECT DISTINCT account_id FROM current_accounts) a ON a.account_id = o.account_id
    LEFT JOIN (SELECT DISTINCT account_id, contact_type, contact_key
               FROM contact_points WHERE run_id = $run_id) c
           ON c.account_id = o.account_id AND c.contact_type = o.contact_type
          AND c.contact_key = o.contact_key
)
SELECT origin,
       count(*) FILTER (WHERE no_account) AS unknown_account,
       list(origin_id ORDER BY origin_seq) FILTER (WHERE no_account) AS account_ids,
       count(*) FILTER (WHERE no_contact) AS unknown_contact,
       list(origin_id ORDER BY origin_seq) FILTER (WHERE no_contact) AS contact_ids
FROM flagged
WHERE no_account OR no_contact
GROUP BY origin
ORDER BY origin;
