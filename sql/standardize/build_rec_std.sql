-- rec_std: one standardized identity per current source record. Name and address come from the
-- record's own fields (an NCOA forwarding address is a contact, not the identity). The phone is
-- the record's own valid phone, else its best-ranked valid *debtor* phone contact (a relative's
-- number is never the debtor's identity); the email likewise.
-- Template (sql.render, matchers/standardize.py): `record_scope` and `contact_scope` are empty on
-- a full build and semi-join the records and contacts to _std_rec_scope (the new records) on an
-- incremental one; on a full build that semi join cost half as much again as the build.
WITH debtor_phone AS (
    SELECT c.rec_id, first(p.e164 ORDER BY c.rank NULLS LAST, p.e164) AS e164
    FROM current_source_contacts c
    {{contact_scope}}
    JOIN std_phone_cache p ON p.phone_raw = c.phone AND p.valid AND p.e164 IS NOT NULL
    WHERE c.contact_type = 'phone' AND c.role = 'debtor'
    GROUP BY c.rec_id
), debtor_email AS (
    SELECT c.rec_id, first(email_norm(c.email) ORDER BY c.rank NULLS LAST, email_norm(c.email)) AS email
    FROM current_source_contacts c
    {{contact_scope}}
    WHERE c.contact_type = 'email' AND c.role = 'debtor' AND email_norm(c.email) IS NOT NULL
    GROUP BY c.rec_id
)
SELECT
    r.rec_id,
    r.source,
    r.kind,
    r.account_id,
    n.first_std,
    n.first_canon,
    left(n.middle_std, 1)  AS middle_initial,
    n.last_std,
    n.last_phonetic,
    n.first_phonetic,
    n.suffix_std,
    n.name_abjad,
    r.dob,
    r.dob_ambiguous,
    r.dob_unread,
    r.ssn_hash,
    r.ssn_last4,
    ad.street_number,
    ad.street_name,
    ad.unit_number,
    ad.std_line1,
    ad.city,
    ad.state,
    ad.zip5,
    coalesce(p.e164, dp.e164)                  AS phone_e164,
    coalesce(email_norm(r.email), de.email)    AS email_norm
FROM current_source_records r
{{record_scope}}
LEFT JOIN std_name_cache n
    ON n.name_raw = name_raw(r.first_name, r.middle_name, r.last_name, r.suffix, r.full_name)
LEFT JOIN std_address_cache ad
    ON ad.addr_raw = addr_raw(r.address_line1, r.address_line2, r.city, r.state, r.zip)
LEFT JOIN std_phone_cache p ON p.phone_raw = r.phone AND p.valid
LEFT JOIN debtor_phone dp ON dp.rec_id = r.rec_id
LEFT JOIN debtor_email de ON de.rec_id = r.rec_id
