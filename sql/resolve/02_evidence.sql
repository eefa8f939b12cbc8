-- Raw contact evidence per account, before standardization:
--  * contacts carried by records linked to the account as its debtor (a person record's own
--    address/phone/email, a vendor's ranked candidates); the record's third-party contacts
--    (relatives, associates) stay third_party;
--  * an associate-linked record's own contacts, as third_party (that record is someone else);
--  * the account's own on-file address, phones and email (evidence 'on_file'), so status can
--    say confirmed / on_file.
-- report_lag_days: for a contact the source dates itself (a vendor candidate's last-seen), how
-- long before the source's own report date it last saw it. A vendor that last saw an address a
-- year before its return date is telling us it is not where the person is now, whatever other
-- sources say; a record-level date (credit header report) carries no such lag (NULL).
-- NCOA records are handled separately (03/04: move types decide who they apply to); death-index
-- records carry the address of a dead person and are never contact evidence.
-- Only for the accounts in rs_dirty (01b_cache_dirty.sql: every account in a full resolve):
-- the others' standardized evidence is carried from resolve_cache_evidence (03b). c_last_seen
-- (the contact's own last-seen date) is kept so the report lag can be recomputed against each
-- run's report date when the row is carried.
CREATE OR REPLACE TEMP TABLE rs_ev0 AS
SELECT l.account_id,
       CASE WHEN l.role = 'debtor' AND coalesce(c.role, 'debtor') = 'debtor' THEN 'debtor' ELSE 'third_party' END AS role,
       c.contact_type, l.rec_id, l.source, l.file_no,
       coalesce(c.evidence, 'record') AS evidence,
       c.rank AS src_rank, l.match_p, l.reliability,
       coalesce(c.first_seen, l.rec_first_seen) AS d_first,
       coalesce(c.last_seen, l.rec_date) AS d_last,
       c.last_seen AS c_last_seen,
       CASE WHEN c.last_seen IS NOT NULL AND l.report_date IS NOT NULL
            THEN greatest(date_diff('day', c.last_seen, l.report_date), 0) END AS report_lag_days,
       CASE
           WHEN l.role = 'associate' THEN CASE l.guard
               -- same surname and dwelling, another given name and DOB: a household member,
               -- never 'spouse' (FDCPA 1692c(d) lets a collector discuss the debt with the
               -- consumer's spouse, so the word needs a source that says so: a relative's
               -- contact a source labels SPOUSE keeps its label, below)
               WHEN 'spouse_pattern' THEN 'household member (same surname)'
               WHEN 'suffix_conflict' THEN 'relative (same name, other generation)'
               WHEN 'dob_conflict_same_address' THEN 'household member'
               ELSE 'associate' END
           WHEN c.role = 'third_party' THEN coalesce(nullif(trim(c.relationship), ''), 'associate')
       END AS relationship,
       CASE WHEN l.role = 'associate' THEN l.rec_name
            WHEN c.role = 'third_party' THEN c.party_name END AS party_name,
       CAST(NULL AS BOOLEAN) AS consent,
       c.address_line1, c.address_line2, c.city, c.state, c.zip,
       c.phone, c.phone_type, c.prepaid, c.email,
       -- how far to trust a third-party lead: an associate-linked record is that associate's
       -- own record (its low debtor match probability says nothing against the lead)
       CASE WHEN l.role = 'associate' THEN 1.0 ELSE l.match_p END AS lead_p
FROM rs_links l
JOIN current_source_contacts c ON c.rec_id = l.rec_id
WHERE l.kind NOT IN ('ncoa', 'deceased')
  AND coalesce(c.evidence, 'record') <> 'ncoa_forward'
  -- an associate record's relatives are not the account's business
  AND NOT (l.role = 'associate' AND coalesce(c.role, 'debtor') = 'third_party')
  AND l.account_id IN (SELECT account_id FROM rs_dirty)

UNION ALL
-- the dirty accounts are picked before the LATERAL: filtered after it, every current account was
-- expanded into its five on-file contacts first (1M accounts, 1% dirty: 3.0-4.7 s against
-- 0.8-0.9 s for this branch)
SELECT a.account_id, 'debtor', t.contact_type, NULL, 'accounts', a.file_no, 'on_file', NULL,
       1.0, NULL, NULL, a.placed_date, NULL, NULL, NULL, NULL, t.consent,
       t.line1, t.line2, t.city, t.state, t.zip, t.phone, NULL, NULL, t.email, 1.0
FROM (SELECT * FROM current_accounts
      WHERE account_id IN (SELECT account_id FROM rs_dirty)) a,
     LATERAL (
        SELECT * FROM (VALUES
            ('address', a.address_line1, a.address_line2, a.city, a.state, a.zip, NULL, NULL, NULL),
            ('phone', NULL, NULL, NULL, NULL, NULL, a.phone, a.phone_consent, NULL),
            ('phone', NULL, NULL, NULL, NULL, NULL, a.phone_2, a.phone_2_consent, NULL),
            ('phone', NULL, NULL, NULL, NULL, NULL, a.phone_3, a.phone_3_consent, NULL),
            ('email', NULL, NULL, NULL, NULL, NULL, NULL, NULL, a.email)
        ) v(contact_type, line1, line2, city, state, zip, phone, consent, email)
     ) t;
