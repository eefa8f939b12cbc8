-- rec_phones: every valid E.164 a current source record offers as the debtor's own: its phone
-- column plus its debtor-role phone contacts (third-party phones never feed blocking: a shared
-- relative's number would pair the wrong people). Distinct per record. Template: the scope slots
-- of build_rec_std.sql.
SELECT DISTINCT rec_id, e164 FROM (
    SELECT r.rec_id, p.e164
    FROM current_source_records r
    {{record_scope}}
    JOIN std_phone_cache p ON p.phone_raw = r.phone AND p.valid AND p.e164 IS NOT NULL
    UNION ALL
    SELECT c.rec_id, p.e164
    FROM current_source_contacts c
    {{contact_scope}}
    JOIN std_phone_cache p ON p.phone_raw = c.phone AND p.valid AND p.e164 IS NOT NULL
    WHERE c.contact_type = 'phone' AND c.role = 'debtor'
)
