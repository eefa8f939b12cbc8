-- Up to $per_kind examples of each kind of difference of a replay (see replay_diff_kinds.sql),
-- the contacts' rows whole (original and replay) so the caller shows the changed column, in a
-- stable order: account, type, role, key.
WITH contact_kinds AS (
    SELECT 'contact ' || change AS kind, NULL::VARCHAR AS field, *
    FROM replay_contact_diffs WHERE change <> 'changed'
    UNION ALL
    SELECT 'contact ' || field || ' changed', field, * EXCLUDE (field)
    FROM (SELECT unnest(fields) AS field, * FROM replay_contact_diffs)
),
ranked AS (
    SELECT kind, field, account_id, contact_type, contact_key, role, NULL AS name, NULL AS detail,
           original, replay,
           row_number() OVER (PARTITION BY kind ORDER BY account_id, contact_type, role, contact_key) AS k
    FROM contact_kinds
    UNION ALL
    SELECT what || ' ' || change, NULL, account_id, contact_type, contact_key, role, name, detail,
           NULL, NULL,
           row_number() OVER (PARTITION BY what, change
                              ORDER BY account_id, contact_type NULLS FIRST, role, contact_key, name)
    FROM replay_row_diffs
)
SELECT * EXCLUDE (k) FROM ranked WHERE k <= $per_kind ORDER BY kind, k;
