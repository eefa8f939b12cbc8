-- One row per pass: blocks that paired something, pairs it proposed (kept blocks only), pairs only
-- it found (its marginal value), its cap and what the cap skipped. Echo rows: echoed keys found /
-- orphaned.
WITH kept AS (
    SELECT p.pass, count(*) AS blocks, sum(size) AS pairs
    FROM _blk_sizes s JOIN _blk_passes p ON p.code = s.pass
    WHERE kept GROUP BY ALL
), over AS (
    SELECT p.pass, count(*) AS oversized_blocks, sum(size) AS skipped_pairs
    FROM _blk_oversized o JOIN _blk_passes p ON p.code = o.pass GROUP BY ALL
), uniq AS (
    SELECT p.pass, count(*) AS unique_pairs
    FROM _match_candidates c JOIN _blk_passes p ON c.pass_mask = (1::INTEGER << p.code)
    GROUP BY ALL
), echo AS (
    SELECT 'echo' AS pass,
           count(*) FILTER (WHERE l.id IS NOT NULL) AS pairs,
           count(*) FILTER (WHERE l.id IS NULL) AS orphaned
    FROM _mr r LEFT JOIN _ml l ON l.id = r.echo_account_id
    WHERE r.echo_account_id IS NOT NULL
), passes AS (
    SELECT pass FROM kept UNION SELECT pass FROM over UNION SELECT 'echo'
)
SELECT p.pass,
       coalesce(k.blocks, 0)::BIGINT                       AS blocks,
       coalesce(k.pairs, e.pairs, 0)::BIGINT               AS pairs,
       coalesce(o.unique_pairs, 0)::BIGINT                 AS unique_pairs,
       coalesce(v.oversized_blocks, 0)::BIGINT             AS oversized_blocks,
       coalesce(v.skipped_pairs, 0)::BIGINT                AS skipped_pairs,
       coalesce(e.orphaned, 0)::BIGINT                     AS orphaned_echo_keys,
       c.cap                                               AS cap
FROM passes p
LEFT JOIN kept k USING (pass)
LEFT JOIN over v USING (pass)
LEFT JOIN uniq o USING (pass)
LEFT JOIN echo e USING (pass)
LEFT JOIN (SELECT n.pass, c.cap FROM _blk_caps c JOIN _blk_passes n ON n.code = c.pass) c USING (pass)
ORDER BY p.pass;
