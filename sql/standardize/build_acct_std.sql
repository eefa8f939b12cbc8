-- acct_std: one standardized identity per current account, from the raw row joined to the
-- name, address and phone caches (filled beforehand by standardize_names/addresses/phones).
-- The primary phone is the first of phone, phone_2, phone_3 that is a *valid* number: junk
-- placeholders (000..., 999-999-9999) would otherwise agree across unrelated people.
SELECT
    a.account_id,
    n.first_std,
    n.first_canon,
    left(n.middle_std, 1)  AS middle_initial,
    n.last_std,
    n.last_phonetic,
    n.first_phonetic,
    n.suffix_std,
    n.name_abjad,
    a.dob,
    a.dob_ambiguous,
    a.dob_unread,
    a.ssn_hash,
    a.ssn_last4,
    ad.street_number,
    ad.street_name,
    ad.unit_number,
    ad.std_line1,
    ad.city,
    ad.state,
    ad.zip5,
    coalesce(p1.e164, p2.e164, p3.e164) AS phone_e164,
    email_norm(a.email)    AS email_norm
FROM current_accounts a
LEFT JOIN std_name_cache n
    ON n.name_raw = name_raw(a.first_name, a.middle_name, a.last_name, a.suffix, a.full_name)
LEFT JOIN std_address_cache ad
    ON ad.addr_raw = addr_raw(a.address_line1, a.address_line2, a.city, a.state, a.zip)
LEFT JOIN std_phone_cache p1 ON p1.phone_raw = a.phone   AND p1.valid
LEFT JOIN std_phone_cache p2 ON p2.phone_raw = a.phone_2 AND p2.valid
LEFT JOIN std_phone_cache p3 ON p3.phone_raw = a.phone_3 AND p3.valid
