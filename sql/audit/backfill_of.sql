-- Is $run_id a backfill? One row when a completed run is newer by (as_of, run_id), the order
-- `skiptrace push` and out/LATEST keep (flows/audit/runs.py backfill_of): `newest`, that order's
-- newest completed run, and `first_dates_moved`, the contacts this run emits (a debtor contact
-- point not suppressed, as sql/audit/first_added_fold.sql folds them) whose date_added it will
-- set to its own earlier as-of date when it completes: recorded later, or not recorded yet.
WITH me AS (SELECT as_of, run_id FROM runs WHERE run_id = $run_id),
newest AS (
    SELECT r.run_id, r.as_of FROM runs r, me
    WHERE r.status = 'completed' AND r.run_id <> me.run_id
      AND (r.as_of > me.as_of OR (r.as_of = me.as_of AND r.run_id > me.run_id))
    ORDER BY r.as_of DESC, r.run_id DESC
    LIMIT 1
),
emitted AS (
    SELECT DISTINCT cp.account_id, cp.contact_type, cp.contact_key
    FROM contact_points cp
    WHERE cp.run_id = $run_id AND cp.role = 'debtor' AND cp.status <> 'suppressed'
      AND cp.contact_key IS NOT NULL
)
SELECT (SELECT as_of FROM me) AS as_of, n.run_id AS newest, n.as_of AS newest_as_of,
       (SELECT count(*) FROM emitted e
        LEFT JOIN contact_first_added f
          ON f.account_id = e.account_id AND f.contact_type = e.contact_type
         AND f.contact_key = e.contact_key
        WHERE f.date_added IS NULL OR f.date_added > (SELECT as_of FROM me)) AS first_dates_moved
FROM newest n;
