-- A run older than the newest one pushed ($over_run_id, as of $over_as_of), pushed anyway
-- (--allow-older-run): the rows go back to the older run's, but no hold or suppression of the
-- newer run is lifted. The newer run knew more (outcomes from the dialer's files, a dispute,
-- a bankruptcy found since), and pushing an old run must not make a number callable that the
-- collections system was told not to call. So, on the staging tables before the upserts:
-- * a staged callable contact whose active row is not callable is staged not callable, with the
--   row's reason, on hold when the row was held (hold_reason) and else in suppression_reason;
-- * the active suppressions and flags the older run lacks are staged as they are, so the
--   upserts leave them active and untouched.
-- To lift the newer run's decisions, push a run newer than it. Applied after the outcome check
-- (guard_outcomes.sql), so a second push of the same run changes nothing: a kept reason is
-- carried as it stands. The rollback is recorded in skiptrace_rollbacks.
WITH kept AS (
    UPDATE st_contacts s
    SET callable = false,
        on_hold = s.on_hold OR t.on_hold,
        hold_reason = CASE WHEN t.on_hold THEN f.why ELSE s.hold_reason END,
        suppression_reason = CASE WHEN t.on_hold THEN s.suppression_reason ELSE f.why END
    FROM skiptrace_contacts t
    CROSS JOIN LATERAL (
        SELECT CASE WHEN coalesce(t.hold_reason, t.suppression_reason) LIKE 'kept from run %'
                    THEN coalesce(t.hold_reason, t.suppression_reason)
                    ELSE 'kept from run ' || CAST($over_run_id AS text) || ' (as of '
                         || CAST($over_as_of AS text) || '), pushed before this older run: '
                         || coalesce(t.hold_reason, t.suppression_reason,
                                     'not callable there (' || t.status || ', ' || t.role || ')')
               END AS why
    ) f
    WHERE s.callable AND t.active AND NOT t.callable
      AND t.account_id = s.account_id AND t.contact_type = s.contact_type
      AND t.contact_key = s.contact_key
    RETURNING 1
),
suppressions AS (
    INSERT INTO st_suppressions (account_id, contact_type, contact_key, role, rule, action,
                                 reason, regulation)
    SELECT t.account_id, t.contact_type, t.contact_key, t.role, t.rule, t.action, t.reason,
           t.regulation
    FROM skiptrace_suppressions t
    WHERE t.active
      AND NOT EXISTS (SELECT 1 FROM st_suppressions s
                      WHERE s.account_id = t.account_id AND s.contact_type = t.contact_type
                        AND s.contact_key = t.contact_key AND s.role = t.role
                        AND s.rule = t.rule)
    RETURNING 1
),
flags AS (
    INSERT INTO st_flags (account_id, flag, confidence, evidence)
    SELECT t.account_id, t.flag, t.confidence, t.evidence
    FROM skiptrace_flags t
    WHERE t.active
      AND NOT EXISTS (SELECT 1 FROM st_flags s
                      WHERE s.account_id = t.account_id AND s.flag = t.flag)
    RETURNING 1
),
counted AS (
    SELECT (SELECT count(*) FROM kept) AS contacts_kept,
           (SELECT count(*) FROM suppressions) AS suppressions_kept,
           (SELECT count(*) FROM flags) AS flags_kept
),
logged AS (
    INSERT INTO skiptrace_rollbacks (run_id, as_of, over_run_id, over_as_of, contacts_kept,
                                     suppressions_kept, flags_kept)
    SELECT r.run_id, r.as_of, CAST($over_run_id AS text), CAST($over_as_of AS date), c.contacts_kept,
           c.suppressions_kept, c.flags_kept
    FROM st_run r CROSS JOIN counted c
    RETURNING 1
)
SELECT c.contacts_kept, c.suppressions_kept, c.flags_kept, (SELECT count(*) FROM logged)
FROM counted c;
