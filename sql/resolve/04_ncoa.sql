-- USPS change-of-address (NCOA) returns: which moves apply to which account's debtor.
--  I (individual): only the person on the record -> applies when the record is linked to the
--    account as its debtor.
--  F (family): everyone at the old address with that surname -> applies when linked as debtor,
--    and also when the debtor lives at the old address (on file or reported by a linked record)
--    and shares the surname, even if the record names another household member.
--  B (business): never applied to a person.
-- Return code 00 (no match) carries nothing; moves effective after as_of are not yet true.
-- A forwarding address is dated from the move's effective date (first seen) to the file's
-- processing date (last seen): NCOALink returns the *latest* change of address on file for the
-- name and old address (a later move would have replaced it), so at processing time USPS still
-- forwards there. Dating it at the effective date alone made every forward look as stale as the
-- move is old, and any later-dated stray candidate (a vendor's wrong address) outranked it.
CREATE OR REPLACE TEMP TABLE rs_ncoa_recs AS
SELECT r.rec_id, r.source, r.file_no, r.record_id,
       upper(trim(r.move_type)) AS move_type,
       coalesce(nullif(upper(trim(r.ncoa_return_code)), ''), 'A') AS code,
       r.move_effective_date AS eff_date,
       -- when USPS last stood behind the forward: the file's processing (record) date, never
       -- after as_of
       least(coalesce(r.record_date, CAST(f.received_at AS DATE)), $as_of) AS processed,
       -- the registry's reliability, updated by collectors' outcomes (00b_outcomes.sql)
       coalesce(lr.reliability, f.reliability, CAST($default_reliability AS DOUBLE)) AS reliability,
       coalesce(rs_addr_key(ac.std_line1, rs_place(ac.zip5, ac.city, ac.state), ac.street_number, ac.predir, ac.street_name,
                            ac.suffix, ac.postdir, ac.unit_number),
                upper(trim(r.address_line1)) || '|' || rs_place(rs_raw_zip5(r.zip), r.city, r.state)) AS o_key,
       coalesce(ac.zip5, left(regexp_replace(coalesce(r.zip, ''), '[^0-9]', '', 'g'), 5)) AS o_zip5,
       CASE WHEN ac.addr_raw IS NULL THEN rs_place(rs_raw_zip5(r.zip), r.city, r.state)
            ELSE rs_place(ac.zip5, ac.city, ac.state) END AS o_place,
       ac.street_number AS o_number, ac.street_name AS o_street, ac.suffix AS o_suffix,
       ac.predir AS o_predir, ac.postdir AS o_postdir, ac.unit_number AS o_unit,
       coalesce(rs.last_std, nc.last_std, nullif(upper(trim(r.last_name)), '')) AS last_std
FROM current_source_records r
JOIN input_files f ON f.file_no = r.file_no
LEFT JOIN rs_source_reliability lr ON lr.source = f.source AND lr.outcomes > 0
LEFT JOIN std_address_cache ac
       ON ac.addr_raw = addr_raw(r.address_line1, r.address_line2, r.city, r.state, r.zip)
LEFT JOIN std_name_cache nc
       ON nc.name_raw = name_raw(r.first_name, r.middle_name, r.last_name, r.suffix, r.full_name)
-- only NCOA records join (rec_std.kind is the record's kind): grouping every record identity
-- cost a second more at 1M accounts (2.5-2.9 s against 1.6-1.8 s for this statement)
LEFT JOIN (SELECT rec_id, any_value(last_std) AS last_std FROM rec_std WHERE kind = 'ncoa'
           GROUP BY rec_id) rs
       ON rs.rec_id = r.rec_id
WHERE r.kind = 'ncoa'
  AND upper(trim(coalesce(r.move_type, ''))) IN ('I', 'F')
  AND coalesce(nullif(upper(trim(r.ncoa_return_code)), ''), 'A') <> '00'
  AND (r.move_effective_date IS NULL OR r.move_effective_date <= $as_of);

CREATE OR REPLACE TEMP TABLE rs_acct_last AS
SELECT a.account_id,
       coalesce(s.last_std, nc.last_std, nullif(upper(trim(a.last_name)), '')) AS last_std
FROM current_accounts a
LEFT JOIN (SELECT account_id, any_value(last_std) AS last_std FROM acct_std GROUP BY account_id) s
       ON s.account_id = a.account_id
LEFT JOIN std_name_cache nc
       ON nc.name_raw = name_raw(a.first_name, a.middle_name, a.last_name, a.suffix, a.full_name);

CREATE OR REPLACE TEMP TABLE rs_ncoa_apply AS
WITH matched AS (
    SELECT l.account_id, n.*, l.match_p AS apply_p, 'matched' AS how
    FROM rs_links l JOIN rs_ncoa_recs n ON n.rec_id = l.rec_id
    WHERE l.role = 'debtor'
),
household AS (
    SELECT e.account_id, n.*,
           CAST($family_p AS DOUBLE) * max(e.match_p) AS apply_p,
           'household' AS how
    FROM rs_ncoa_recs n
    JOIN rs_evs e
      ON e.role = 'debtor' AND e.contact_type = 'address' AND e.place = n.o_place
     AND (e.vkey = n.o_key
          OR (rs_same_street(e.street_number, e.street_name, e.suffix, e.predir, e.place,
                             n.o_number, n.o_street, n.o_suffix, n.o_predir, n.o_place, $street_jw)
              AND rs_dirs_agree(e.postdir, n.o_postdir)
              AND rs_units_ok(e.unit_number, n.o_unit)))
    JOIN rs_acct_last al ON al.account_id = e.account_id AND al.last_std = n.last_std
    WHERE n.move_type = 'F'
      AND NOT EXISTS (SELECT 1 FROM matched m WHERE m.account_id = e.account_id AND m.rec_id = n.rec_id)
    GROUP BY ALL
)
SELECT * FROM matched
UNION ALL BY NAME
SELECT * FROM household;

-- Forwarding addresses of applicable moves become debtor evidence. Codes A / 91 / 92 (secondary
-- number dropped) / 19 (not ZIP+4-confirmable) carry a usable new address; 05 (ambiguous) and
-- 14 (not convertible) do not, and 01 / 02 / 03 never have one.
CREATE OR REPLACE TEMP TABLE rs_ev_ncoa AS
SELECT a.account_id, 'debtor' AS role, 'address' AS contact_type, a.rec_id, a.source, a.file_no,
       CASE a.how WHEN 'matched' THEN 'ncoa_forward' ELSE 'ncoa_family' END AS evidence,
       c.rank AS src_rank, a.apply_p AS match_p, a.reliability,
       coalesce(a.eff_date, c.first_seen) AS d_first,
       coalesce(c.last_seen, greatest(a.processed, a.eff_date), a.eff_date) AS d_last,
       CAST(NULL AS DATE) AS c_last_seen,
       CAST(NULL AS INTEGER) AS report_lag_days,
       CAST(NULL AS VARCHAR) AS relationship, CAST(NULL AS VARCHAR) AS party_name,
       CAST(NULL AS BOOLEAN) AS consent,
       c.address_line1, c.address_line2, c.city, c.state, c.zip,
       CAST(NULL AS VARCHAR) AS phone, CAST(NULL AS VARCHAR) AS phone_type,
       CAST(NULL AS BOOLEAN) AS prepaid, CAST(NULL AS VARCHAR) AS email,
       a.apply_p AS lead_p
FROM rs_ncoa_apply a
JOIN current_source_contacts c
  ON c.rec_id = a.rec_id AND c.contact_type = 'address' AND c.evidence = 'ncoa_forward'
WHERE a.code IN ('A', '91', '92', '19');
