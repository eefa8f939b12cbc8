-- USPS change-of-address (NCOA) returns: which moves apply to which account's debtor.
--  I (individual): only the person on the record -> applies when the record is linked to the
--    account as its debtor.
--  F (family): everyone at the old address with that surname -> applies when linked as debtor,
--    and also when the record names another household member: its filer shares the debtor's
--    surname AND its old address is where the debtor lived when the move took effect:
--      * the same dwelling: the debtor's evidence at that street address names the same unit,
--        or neither names one. A unit on one side and none on the other is not enough: USPS
--        files a family move for the household of one delivery point, and in a multi-unit
--        building a record without the unit does not say which household it was (an unrelated
--        same-surname family two floors up moved, not the debtor);
--      * current at the move: the debtor's latest report there is no more than
--        $family_current_days before the move's effective date, no other address of the debtor
--        was first reported between that report and the move (the debtor had moved on: an
--        ex-spouse's family move from the debtor's address of years ago), and the debtor is not
--        reported there more than $moved_back_days after the move by a source other than the
--        account file (the debtor stayed; the account file's date is the placement's, which
--        can come after a move the creditor never heard of).
--    A family move of another name that fails this applies to nobody: its forwarding address
--    is the filer's, not debtor evidence, and the old address keeps no moved-away mark.
--  B (business): never applied to a person.
-- Return code 00 (no match) carries nothing; moves effective after as_of are not yet true.
-- A forwarding address is dated from the move's effective date (first seen) to the file's
-- processing date (last seen): NCOALink returns the *latest* change of address on file for the
-- name and old address (a later move would have replaced it), so at processing time USPS still
-- forwards there. Dating it at the effective date alone made every forward look as stale as the
-- move is old, and any later-dated stray candidate (a vendor's wrong address) outranked it.
CREATE OR REPLACE TEMP TABLE rs_ncoa_recs AS
SELECT r.rec_id, r.source, r.file_no, r.record_id,
       -- how explanations name the record: source, record id, file and line
       r.source || ' record ' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR))
           || coalesce(' (' || f.file_name || ' line ' || r.line_no || ')', '') AS move_ref,
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
    SELECT l.account_id, n.*, l.match_p AS apply_p, 'matched' AS how,
           CAST(NULL AS VARCHAR) AS basis
    FROM rs_links l JOIN rs_ncoa_recs n ON n.rec_id = l.rec_id
    WHERE l.role = 'debtor'
),
-- the debtor's own address evidence (rs_evs holds no NCOA forward yet), each row dated by the
-- span it reports
ev AS (
    SELECT account_id, rec_id, source, evidence, match_p, reliability, place, vkey,
           street_number, street_name, suffix, predir, postdir, unit_number,
           coalesce(d_first, d_last) AS d_start, coalesce(d_last, d_first) AS d_end
    FROM rs_evs
    WHERE role = 'debtor' AND contact_type = 'address'
),
-- family moves filed under the debtor's surname from a spelling of one of the debtor's street
-- addresses (a unit missing on one side allowed here: 'same_unit' says whether they agree)
cand AS (
    SELECT e.*, n.rec_id AS move_rec_id, coalesce(n.eff_date, n.processed) AS move_date,
           rs_unit(e.unit_number) IS NOT DISTINCT FROM rs_unit(n.o_unit) AS same_unit
    FROM rs_ncoa_recs n
    JOIN ev e
      ON e.place = n.o_place
     AND (e.vkey = n.o_key
          OR (rs_same_street(e.street_number, e.street_name, e.suffix, e.predir, e.place,
                             n.o_number, n.o_street, n.o_suffix, n.o_predir, n.o_place, $street_jw)
              AND rs_dirs_agree(e.postdir, n.o_postdir)
              AND rs_units_ok(e.unit_number, n.o_unit)))
    JOIN rs_acct_last al ON al.account_id = e.account_id AND al.last_std = n.last_std
    WHERE n.move_type = 'F'
      AND NOT EXISTS (SELECT 1 FROM matched m WHERE m.account_id = e.account_id AND m.rec_id = n.rec_id)
),
-- per candidate: the debtor's evidence at the old dwelling (same unit or none on both sides),
-- its latest report (named in the explanation) and the latest report by a source other than
-- the account file
at_old AS (
    SELECT c.account_id, c.move_rec_id, any_value(c.move_date) AS move_date,
           max(c.match_p) AS res_p,
           max(c.d_end) AS old_last,
           max(c.d_end) FILTER (WHERE c.evidence <> 'on_file') AS old_last_reported,
           arg_max(CASE WHEN c.rec_id IS NULL THEN 'the account file (on-file address, placed '
                                                   || coalesce(strftime(c.d_end, '%Y-%m-%d'), '?') || ')'
                        ELSE coalesce(r.source || ' record ' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR)),
                                      c.source)
                             || coalesce(' dated ' || strftime(c.d_end, '%Y-%m-%d'), '') END,
                   (c.d_end, c.rec_id IS NOT NULL, -coalesce(c.rec_id, 0))) AS basis
    FROM cand c
    LEFT JOIN current_source_records r ON r.rec_id = c.rec_id
    WHERE c.same_unit
    GROUP BY c.account_id, c.move_rec_id
),
-- the forwarding address's street, so a report of the debtor there just before the move (a
-- source that learned of it early) is not taken for another address
fwd AS (
    SELECT DISTINCT c.rec_id, ac.street_number, ac.street_name, ac.suffix, ac.predir,
           rs_place(ac.zip5, ac.city, ac.state) AS place
    FROM current_source_contacts c
    JOIN std_address_cache ac
      ON ac.addr_raw = addr_raw(c.address_line1, c.address_line2, c.city, c.state, c.zip)
    WHERE c.contact_type = 'address' AND c.evidence = 'ncoa_forward'
      AND c.rec_id IN (SELECT move_rec_id FROM cand)
),
-- the debtor first reported at another address (a reliable report) after the latest report at
-- the old one and on or before the move: the debtor had left before the family moved
moved_on AS (
    SELECT DISTINCT a.account_id, a.move_rec_id
    FROM at_old a
    JOIN rs_ncoa_recs n ON n.rec_id = a.move_rec_id
    JOIN ev x
      ON x.account_id = a.account_id
     AND x.d_start > a.old_last AND x.d_start <= a.move_date
     AND x.match_p * coalesce(x.reliability, CAST($default_reliability AS DOUBLE))
         >= CAST($superseding_min AS DOUBLE)
    -- another address: not a spelling of the old one (a record without the unit is one; another
    -- unit of the building is another dwelling) ...
    WHERE NOT coalesce(x.place = n.o_place
                       AND rs_same_street(x.street_number, x.street_name, x.suffix, x.predir, x.place,
                                          n.o_number, n.o_street, n.o_suffix, n.o_predir, n.o_place,
                                          $street_jw)
                       AND rs_units_ok(x.unit_number, n.o_unit), false)
      -- ... nor the forwarding address
      AND NOT EXISTS (
          SELECT 1 FROM fwd f
          WHERE f.rec_id = a.move_rec_id AND f.place = x.place
            AND rs_same_street(x.street_number, x.street_name, x.suffix, x.predir, x.place,
                               f.street_number, f.street_name, f.suffix, f.predir, f.place,
                               $street_jw))
),
household AS (
    SELECT a.account_id, n.*,
           CAST($family_p AS DOUBLE) * a.res_p AS apply_p,
           'household' AS how,
           'the debtor was reported at its old address by ' || a.basis
               || ' (the same dwelling: the units agree), and at no other address between then and the move' AS basis
    FROM at_old a
    JOIN rs_ncoa_recs n ON n.rec_id = a.move_rec_id
    WHERE a.old_last >= a.move_date - to_days(CAST($family_current_days AS INTEGER))
      AND coalesce(a.old_last_reported <= a.move_date + to_days(CAST($moved_back_days AS INTEGER)), true)
      AND NOT EXISTS (SELECT 1 FROM moved_on m
                      WHERE m.account_id = a.account_id AND m.move_rec_id = a.move_rec_id)
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
