-- Which accounts' evidence (02 evidence, 03 standardize, 05 variants) must be recomputed, and
-- which is carried from the evidence cache (migration 050; docs/scaling.md, "Incremental
-- resolve"). The evidence of an account is a pure function of
--  * its link set: each linked record's id, link role and guard (NOT the match probability, which
--    every run re-scores: it is joined back in 03b), and what resolve reads of that record
--    besides its contacts (source, file, kind, dates, name). A record's contacts are fixed by its
--    rec_id: rec_id is file number and line, source files are append-only, and a re-delivered
--    file's rows get new rec_ids, so a changed record is a new rec_id and a removed one leaves
--    the link set;
--  * its on-file contacts (the account row's address, phones, consents, e-mail, placed date and
--    the file it came from).
-- The digest is an order-independent combination (xor) of one hash per link, so it needs no
-- sort; an account linked to a new, changed or removed record, now or in the cached state,
-- gets a digest other than the cached one. Accounts not in the cache are new.
CREATE OR REPLACE TEMP TABLE rs_acct_digest AS
WITH links AS (
    SELECT account_id,
           bit_xor(hash(rec_id, role, guard, source, file_no, kind, record_id, rec_date,
                        rec_first_seen, rec_name)) AS h
    FROM rs_links
    GROUP BY account_id
),
onfile AS (
    SELECT account_id,
           hash(file_no, placed_date, address_line1, address_line2, city, state, zip,
                phone, phone_consent, phone_2, phone_2_consent, phone_3, phone_3_consent,
                email) AS h
    FROM current_accounts
)
SELECT coalesce(o.account_id, l.account_id) AS account_id, hash(o.h, l.h) AS digest
FROM onfile o
FULL JOIN links l ON l.account_id = o.account_id;

-- A full resolve ($incremental false) recomputes every account. An account the cache holds that
-- is gone (closed: no longer in the account files, nor linked) is dirty too, with nothing to
-- recompute: its cached evidence is not carried (03b) and the cache write removes it (11). Left
-- out, a closed account's contacts were carried night after night, exported and pushed callable,
-- its suppressions (it is not current) dropped.
CREATE OR REPLACE TEMP TABLE rs_dirty AS
SELECT d.account_id, c.account_id IS NULL AS is_new
FROM rs_acct_digest d
LEFT JOIN resolve_cache_accounts c ON $incremental AND c.account_id = d.account_id
WHERE NOT $incremental OR c.digest IS DISTINCT FROM d.digest
UNION ALL
SELECT c.account_id, false AS is_new
FROM resolve_cache_accounts c
WHERE $incremental
  AND NOT EXISTS (SELECT 1 FROM rs_acct_digest d WHERE d.account_id = c.account_id);
