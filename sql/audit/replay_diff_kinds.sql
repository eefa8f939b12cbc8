-- The differences of a replay (after replay_diff_contacts.sql and replay_diff_rows.sql) by
-- kind, with how many: `contact missing`, `contact added`, `contact <column> changed` (a row
-- counts once under each column that changed), `suppression missing` ... `flag added`.
SELECT kind, count(*) AS n
FROM (
    SELECT 'contact ' || change AS kind FROM replay_contact_diffs WHERE change <> 'changed'
    UNION ALL
    SELECT 'contact ' || unnest(fields) || ' changed' FROM replay_contact_diffs
    UNION ALL
    SELECT what || ' ' || change FROM replay_row_diffs
)
GROUP BY kind
ORDER BY n DESC, kind;
