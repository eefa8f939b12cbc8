-- The evidence cache's state row next to what its tables actually hold: a state whose counts
-- differ (rows deleted, a table emptied) is not trusted (matchers/resolve_cache.py).
SELECT s.state_key, s.run_id, s.accounts, s.evidence_rows, s.variant_rows,
       (SELECT count(*) FROM resolve_cache_accounts) AS n_accounts,
       (SELECT count(*) FROM resolve_cache_evidence) AS n_evidence,
       (SELECT count(*) FROM resolve_cache_variants) AS n_variants
FROM resolve_cache_state s;
