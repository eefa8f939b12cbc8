-- The resolve evidence cache (migration 050) holds each account's standardized evidence: the
-- addresses, phones and e-mails of its linked records. A purge that removes the raw rows must not
-- leave these copies, so it empties the cache whole (it has no per-file index worth keeping in
-- step): the next resolve is a full one and writes the cache again from what is left.
DELETE FROM resolve_cache_evidence;
DELETE FROM resolve_cache_variants;
DELETE FROM resolve_cache_accounts;
DELETE FROM resolve_cache_state;
