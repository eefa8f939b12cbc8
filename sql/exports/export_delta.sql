-- delta.csv: what changed since the previous completed run ($prev_run_id, NULL = none):
-- contact points added, removed, or whose status, rank or hold changed. Suppressions show up as
-- status changes so the collections system can stop using a contact; a hold put on or lifted
-- (a bankruptcy filed or dismissed, a dispute) with nothing else changed is 'hold_changed'.
-- old_on_hold / new_on_hold (Y/N) come last, after run_id, so readers by position keep working.
-- A third party's contact that is also one of the debtor's own points on the account in the
-- same run is left out on both sides, as location_info.csv leaves it out: it is the debtor's
-- contact, reported by the debtor's row. Resolve no longer writes such a point (08_finalize.sql):
-- the check is for a previous run an earlier version wrote, whose rows would otherwise show up
-- as removed.
WITH own AS (
    -- third parties' points that are the debtor's own in the same run (few): looked up from the
    -- third-party side, so only those rows are matched against the debtor's (the same as a NOT
    -- EXISTS per point, in half the time: 0.5 against 1.0 s at 100k accounts)
    SELECT t.run_id, t.account_id, t.contact_type, t.contact_key
    FROM contact_points t
    SEMI JOIN contact_points d
      ON d.run_id = t.run_id AND d.role = 'debtor' AND d.account_id = t.account_id
     AND d.contact_type = t.contact_type AND d.contact_key = t.contact_key
    WHERE t.run_id IN ($run_id, $prev_run_id) AND t.role = 'third_party'
),
cur AS (
    SELECT c.* FROM contact_points c
    ANTI JOIN own o ON o.run_id = c.run_id AND c.role = 'third_party' AND o.account_id = c.account_id
     AND o.contact_type = c.contact_type AND o.contact_key = c.contact_key
    WHERE c.run_id = $run_id
),
prev AS (
    SELECT c.* FROM contact_points c
    ANTI JOIN own o ON o.run_id = c.run_id AND c.role = 'third_party' AND o.account_id = c.account_id
     AND o.contact_type = c.contact_type AND o.contact_key = c.contact_key
    WHERE c.run_id = $prev_run_id
)
SELECT coalesce(c.account_id, p.account_id) AS account_id,
       coalesce(c.contact_type, p.contact_type) AS contact_type,
       coalesce(c.role, p.role) AS role,
       CASE WHEN p.account_id IS NULL THEN 'added'
            WHEN c.account_id IS NULL THEN 'removed'
            WHEN c.status IS DISTINCT FROM p.status AND c.rank IS DISTINCT FROM p.rank THEN 'status_and_rank_changed'
            WHEN c.status IS DISTINCT FROM p.status THEN 'status_changed'
            WHEN c.rank IS DISTINCT FROM p.rank THEN 'rank_changed'
            ELSE 'hold_changed' END AS change,
       p.status AS old_status, c.status AS new_status, p.rank AS old_rank, c.rank AS new_rank,
       p.confidence AS old_confidence, c.confidence AS new_confidence,
       coalesce(c.address_line1, p.address_line1) AS address_line1,
       coalesce(c.city, p.city) AS city, coalesce(c.state, p.state) AS state,
       export_zip(coalesce(c.zip, p.zip), $zip_format) AS zip, coalesce(c.phone, p.phone) AS phone,
       coalesce(c.email, p.email) AS email,
       CAST($prev_run_id AS VARCHAR) AS previous_run_id, CAST($run_id AS VARCHAR) AS run_id,
       CASE WHEN p.account_id IS NOT NULL THEN CASE WHEN coalesce(p.on_hold, false) THEN 'Y' ELSE 'N' END END AS old_on_hold,
       CASE WHEN c.account_id IS NOT NULL THEN CASE WHEN coalesce(c.on_hold, false) THEN 'Y' ELSE 'N' END END AS new_on_hold
FROM cur c
FULL OUTER JOIN prev p
  ON c.account_id = p.account_id AND c.contact_type = p.contact_type AND c.role = p.role
 AND c.contact_key = p.contact_key
WHERE p.account_id IS NULL OR c.account_id IS NULL
   OR c.status IS DISTINCT FROM p.status OR c.rank IS DISTINCT FROM p.rank
   OR coalesce(c.on_hold, false) <> coalesce(p.on_hold, false)
ORDER BY account_id, contact_type, role, change, new_rank, old_rank, coalesce(c.contact_key, p.contact_key)
