-- Standardize raw evidence (the view rs_ev_in) through the caches built by the standardization
-- stage. A string the caches have not seen (standardization not run for
-- it) falls back to a crude normalization with quality 'uncached', so nothing is silently lost;
-- evidence with no usable key (no street line or ZIP, no 10-digit phone, malformed email) is
-- dropped here because it cannot reach anyone. An address's vkey is rs_addr_key (number, directionals,
-- street, suffix, unit number, place = ZIP5 else city + state: the unit designator is not part of its identity); a phone's line type is the
-- source's code through the shared line_type_code macro, else the number's own type.
-- (A query, not a statement: resolve.py creates rs_evs from it, then appends NCOA forwards.)
-- The crude fallbacks are CASE branches, not coalesce(cached, nullif(fallback, '')): DuckDB
-- computes an expression that nullif repeats inside a coalesce argument for every row before
-- the coalesce (the common-subexpression pass), so each evidence row ran the fallback's
-- regexps although nearly every row has a cached value (100k full resolve: 0.77 s of this
-- statement's 2.2 s).
WITH src AS (
    SELECT e.*,
           CASE WHEN e.contact_type = 'address'
                THEN addr_raw(e.address_line1, e.address_line2, e.city, e.state, e.zip) END AS k_addr
    FROM rs_ev_in e
),
addr AS (
    SELECT s.*,
           CASE WHEN ac.std_line1 IS NOT NULL THEN ac.std_line1
                ELSE rs_fallback_line(s.address_line1, s.address_line2) END AS a_line1,
           ac.std_line2 AS a_line2,
           coalesce(ac.city, upper(trim(s.city))) AS a_city,
           coalesce(ac.state, upper(trim(s.state))) AS a_state,
           CASE WHEN ac.addr_raw IS NULL THEN rs_raw_zip5(s.zip) ELSE ac.zip5 END AS a_zip5,
           ac.zip4 AS a_zip4,
           CASE WHEN ac.street_number IS NOT NULL THEN ac.street_number
                WHEN rs_fallback_line(s.address_line1, s.address_line2) IS NULL THEN NULL
                ELSE nullif(regexp_extract(upper(coalesce(s.address_line1, '')), '^\s*([0-9]+[A-Z]?)\b', 1), '') END AS a_number,
           ac.predir AS a_predir, ac.street_name AS a_street, ac.suffix AS a_suffix,
           ac.postdir AS a_postdir,
           ac.unit_type AS a_unit_type, ac.unit_number AS a_unit,
           CASE WHEN ac.addr_raw IS NULL THEN 'uncached' ELSE ac.quality END AS a_quality
    FROM src s LEFT JOIN std_address_cache ac ON ac.addr_raw = s.k_addr
),
std AS (
    SELECT a.*,
           CASE WHEN pc.phone_raw IS NOT NULL THEN pc.e164 ELSE CASE
               WHEN length(regexp_replace(coalesce(a.phone, ''), '[^0-9]', '', 'g')) = 10
                   THEN '+1' || regexp_replace(a.phone, '[^0-9]', '', 'g')
               WHEN length(regexp_replace(coalesce(a.phone, ''), '[^0-9]', '', 'g')) = 11
                    AND starts_with(regexp_replace(a.phone, '[^0-9]', '', 'g'), '1')
                   THEN '+' || regexp_replace(a.phone, '[^0-9]', '', 'g')
           END END AS p_e164,
           CASE WHEN pc.phone_raw IS NULL THEN NULL ELSE coalesce(pc.valid, false) END AS p_valid,
           pc.extension AS p_ext, pc.number_type AS p_number_type, pc.time_zone AS p_tz,
           email_norm(a.email) AS m_email
    FROM addr a LEFT JOIN std_phone_cache pc ON a.contact_type = 'phone' AND pc.phone_raw = a.phone
)
SELECT account_id, role, contact_type, rec_id, source, file_no, evidence, src_rank, match_p,
       reliability, d_first, d_last, c_last_seen, report_lag_days, relationship, party_name, consent,
       CASE contact_type
           WHEN 'address' THEN rs_addr_key(a_line1, rs_place(a_zip5, a_city, a_state), a_number, a_predir, a_street, a_suffix, a_postdir, a_unit)
           WHEN 'phone' THEN p_e164
           ELSE m_email END AS vkey,
       a_line1 AS std_line1, a_line2 AS std_line2, a_city AS city, a_state AS state,
       a_zip5 AS zip5, rs_place(a_zip5, a_city, a_state) AS place, a_zip4 AS zip4, a_number AS street_number, a_predir AS predir,
       a_street AS street_name, a_suffix AS suffix, a_postdir AS postdir, a_unit_type AS unit_type, a_unit AS unit_number,
       a_quality AS quality,
       p_e164 AS e164, p_valid AS phone_valid, p_ext AS extension,
       coalesce(line_type_code(phone_type), CASE p_number_type
           WHEN 'mobile' THEN 'mobile' WHEN 'landline' THEN 'landline' WHEN 'voip' THEN 'voip'
           WHEN 'toll_free' THEN 'toll_free' END) AS line_type_ev,
       line_type_code(phone_type) IS NOT NULL AS line_type_from_source,
       p_number_type AS number_type, p_tz AS tz_phone, prepaid,
       m_email AS email_norm, lead_p
FROM std
WHERE CASE contact_type
          WHEN 'address' THEN a_line1 IS NOT NULL
               AND (length(a_zip5) = 5 OR rs_place(NULL, a_city, a_state) IS NOT NULL)
          WHEN 'phone' THEN p_e164 IS NOT NULL
          WHEN 'email' THEN m_email IS NOT NULL
          ELSE false END
