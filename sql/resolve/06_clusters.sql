-- Contact points (clusters of variants) with their representative spelling and the raw
-- confidence factors, grouped and joined on 06_keys.sql's integer keys (pt, vid, sid).

-- A move the debtor evidently did not make, or undid: the debtor is reported at the old address
-- more than rs_moved_back_days after it took effect (a household member's or namesake's change
-- of address linked to the account; or a return). Its forwarding address then keeps the move's
-- effective date as last seen instead of the NCOA processing date (04): USPS forwards the mail
-- of whoever filed, and the later evidence says that is not where the debtor is now. The same
-- evidence cancels the moved-away mark of the old address (rs_neg below).
CREATE OR REPLACE TEMP TABLE rs_ncoa_back AS
SELECT DISTINCT n.account_id, n.rec_id
FROM rs_ncoa_apply n
JOIN rs_var v
  ON v.account_id = n.account_id AND v.role = 'debtor' AND v.place = n.o_place
 AND (v.vkey = n.o_key
      OR (rs_same_street(v.street_number, v.street_name, v.suffix, v.predir, v.place,
                         n.o_number, n.o_street, n.o_suffix, n.o_predir, n.o_place, $street_jw)
          AND rs_dirs_agree(v.postdir, n.o_postdir)
          -- a family move of another household member: the same dwelling only (04)
          AND CASE n.how WHEN 'household' THEN v.unit IS NOT DISTINCT FROM rs_unit(n.o_unit)
                         ELSE rs_units_ok(v.unit, n.o_unit) END))
JOIN rs_lab l ON l.account_id = v.account_id AND l.role = v.role AND l.vkey = v.vkey
JOIN rs_evc e
  ON e.account_id = n.account_id AND e.role = 'debtor' AND e.contact_type = 'address'
 AND e.cid = l.lab AND e.evidence NOT IN ('on_file', 'ncoa_forward', 'ncoa_family')
WHERE n.eff_date IS NOT NULL
  AND e.d_last > n.eff_date + to_days(CAST($moved_back_days AS INTEGER));

UPDATE rs_evc SET d_last = coalesce(rs_evc.d_first, rs_evc.d_last)
FROM rs_ncoa_back b
WHERE rs_evc.account_id = b.account_id AND rs_evc.rec_id = b.rec_id
  AND rs_evc.evidence IN ('ncoa_forward', 'ncoa_family');

-- Consensus spelling: the most supported variant (distinct sources, the account file counts as
-- one), preferring a complete address (a house number and a street: a partial record joins the
-- complete address it is part of, 05b_attach_partial, and must not become the point's spelling),
-- a clean parse and a unit when the point has one; ties go to the most reliable source, then the
-- most recent evidence.
CREATE OR REPLACE TEMP TABLE rs_rep AS
WITH v AS (
    SELECT pt, vid,
           -- len(list_distinct(list(..))): a plain aggregate, where count(DISTINCT ..) costs a
           -- sort per group over millions of evidence rows
           len(list_distinct(list(sid))) AS n_src,
           max(coalesce(reliability, 0.5)) AS max_rel,
           bool_or(quality = 'ok') AS q_ok,
           bool_or(rs_unit(unit_number) IS NOT NULL) AS has_unit,
           bool_or(NOT rs_unmailable(contact_type, street_number, street_name, std_line1)) AS complete,
           max(d_last) AS last
    FROM rs_evc
    GROUP BY pt, vid
),
ranked AS (
    SELECT v.pt, v.vid
    FROM v
    JOIN rs_vk k ON k.vid = v.vid
    QUALIFY row_number() OVER (
        PARTITION BY v.pt
        ORDER BY complete DESC, q_ok DESC, has_unit DESC, n_src DESC, max_rel DESC, last DESC NULLS LAST, k.vkey
    ) = 1
),
rep_rows AS (
    -- one evidence row of the chosen variant carries its standardized fields: a clean parse,
    -- with a ZIP+4, most recent, then by source and record (arg_min over one key in ascending
    -- order instead of a second window over the evidence rows). arg_min picks the row's id,
    -- and the fields are fetched by it below: carried as arg_min's value, a struct of twelve
    -- strings copied on every better row was most of this statement (7.9 s against 0.6 s
    -- for an integer value, 2M rows in 500k groups)
    SELECT e.vid,
           arg_min(e.rowid, (e.quality = 'uncached', e.zip4 IS NULL,
                             -coalesce(date_diff('day', DATE '1900-01-01', e.d_last), -1000000000),
                             e.source, e.rec_id)) AS row_id
    FROM ranked r
    JOIN rs_evc e ON e.vid = r.vid
    GROUP BY e.vid
)
SELECT k.account_id, k.role, k.contact_type, k.cid, k.vkey AS contact_key,
       f.std_line1, f.std_line2, f.city, f.state, f.zip5, f.zip4, f.street_number, f.street_name,
       f.unit_number, f.quality, f.e164, f.email_norm, k.pt
FROM rep_rows
JOIN rs_evc f ON f.rowid = rep_rows.row_id
JOIN rs_vk k ON k.vid = rep_rows.vid;

-- Phone line type from the sources that state one, else the number's own type. A number is a
-- landline only when every source that states a type says landline: one mobile (or VoIP) report
-- wins over any number of landline ones. A wrong 'landline' lets the autodialer call a mobile
-- without consent (TCPA, docs/compliance.md), and a number ported from a landline to a mobile
-- keeps its older landline reports. Among the other types, the most reported, then the most
-- reliable source, then the name.
CREATE OR REPLACE TEMP TABLE rs_phone_info AS
WITH t AS (
    SELECT pt, line_type_ev, count(*) AS n, max(coalesce(reliability, 0.5)) AS rel
    FROM rs_evc
    WHERE contact_type = 'phone' AND line_type_from_source
    GROUP BY ALL
),
said AS (
    SELECT pt, first(line_type_ev ORDER BY line_type_ev = 'landline', n DESC, rel DESC, line_type_ev) AS src_type
    FROM t GROUP BY ALL
)
-- The number's own facts are the same on every row of a point; an extension can differ between
-- records: the most recent report's, then the smallest (a total order: the same run gives the
-- same row).
SELECT p.pt,
       coalesce(any_value(s.src_type),
                first(p.line_type_ev ORDER BY p.d_last DESC NULLS LAST, p.line_type_ev)
                    FILTER (WHERE p.line_type_ev IS NOT NULL),
                'unknown') AS line_type,
       first(p.number_type ORDER BY p.number_type) FILTER (WHERE p.number_type IS NOT NULL) AS number_type,
       first(p.extension ORDER BY p.d_last DESC NULLS LAST, p.extension)
           FILTER (WHERE p.extension IS NOT NULL) AS extension,
       first(p.tz_phone ORDER BY p.tz_phone) FILTER (WHERE p.tz_phone IS NOT NULL) AS tz_phone,
       coalesce(bool_or(p.phone_valid), true) AS phone_valid,
       coalesce(bool_or(p.prepaid), false) AS prepaid
FROM rs_evc p
LEFT JOIN said s ON s.pt = p.pt
WHERE p.contact_type = 'phone'
GROUP BY p.pt;

-- Per contact point: support from independent evidence (anything but the account file).
-- Set-wise in two steps: per (point, source) first, then per point. DISTINCT and ORDER BY
-- aggregates straight over rs_evc's evidence rows (millions at scale) cost three times the rest
-- of the statement; over the few (point, source) rows they are plain list aggregates.
CREATE OR REPLACE TEMP TABLE rs_cs AS
WITH per_src AS (
    SELECT pt, sid,
           bool_or(evidence <> 'on_file') AS indep,
           max(least(greatest(CASE WHEN role = 'third_party' THEN lead_p ELSE match_p END
                              * coalesce(reliability, CAST($default_reliability AS DOUBLE)), 0.0), 1.0))
               FILTER (WHERE evidence <> 'on_file') AS s
    FROM rs_evc
    GROUP BY ALL
),
sup AS (
    SELECT pt,
           -- the product over the sorted factors: a floating-point product depends on the order
           -- of its terms in the last bits, and product() takes the rows in scan order, so two
           -- runs over the same data wrote a support of 0.9884 and 0.9885 (rounded) for a few
           -- points in 5.3M
           1.0 - list_product(list_sort(list(1.0 - s) FILTER (WHERE indep))) AS support,
           max(s) AS best_s,
           count(sid) FILTER (WHERE indep) AS n_sources,
           list_sort(list(sid) FILTER (WHERE sid IS NOT NULL)) AS sources,
           list_sort(list(sid) FILTER (WHERE indep AND sid IS NOT NULL)) AS indep_sources
    FROM per_src
    GROUP BY ALL
),
recs AS (
    -- repeated reports (distinct records, e.g. a bureau's reports at different dates)
    SELECT pt, count(*) AS n_records
    FROM (SELECT DISTINCT pt, rec_id
          FROM rs_evc WHERE evidence <> 'on_file' AND rec_id IS NOT NULL)
    GROUP BY ALL
),
pt AS (
    SELECT e.pt,
           bool_or(e.evidence = 'on_file') AS on_file,
           coalesce(bool_or(e.consent) FILTER (WHERE e.evidence = 'on_file'), false) AS consent,
           count(*) FILTER (WHERE e.evidence <> 'on_file') > 0 AS has_support,
           max(e.match_p) FILTER (WHERE e.evidence <> 'on_file') AS match_max,
           max(e.reliability) FILTER (WHERE e.evidence <> 'on_file') AS rel_max,
           max(e.d_last) FILTER (WHERE e.evidence <> 'on_file') AS last_seen,
           min(coalesce(e.d_first, e.d_last)) FILTER (WHERE e.evidence <> 'on_file') AS first_seen,
           max(e.d_last) FILTER (WHERE e.evidence = 'on_file') AS onfile_date,
           -- the freshest view among sources that date the contact themselves (NULL: none does)
           min(e.report_lag_days) FILTER (WHERE e.evidence <> 'on_file') / 365.25 AS report_lag_years,
           coalesce(bool_or(e.evidence = 'vendor_candidate' AND e.src_rank = 1), false) AS vendor_rank1,
           coalesce(bool_or(e.evidence IN ('ncoa_forward', 'ncoa_family')), false) AS ncoa_forward,
           coalesce(bool_or(e.evidence = 'ncoa_family'), false) AS ncoa_family,
           -- the best-matched record's relationship and name (ties: the greatest value)
           arg_max(e.relationship, (e.match_p, e.relationship)) FILTER (WHERE e.relationship IS NOT NULL) AS relationship,
           arg_max(e.party_name, (e.match_p, e.party_name)) FILTER (WHERE e.party_name IS NOT NULL) AS party_name
    FROM rs_evc e
    GROUP BY e.pt
)
SELECT k.account_id, k.role, k.contact_type, k.cid,
       p.on_file, p.consent, p.has_support,
       coalesce(s.n_sources, 0) AS n_sources,
       coalesce(r.n_records, 0) AS n_records,
       p.match_max, p.rel_max, p.last_seen, p.first_seen, p.onfile_date, p.report_lag_years,
       p.vendor_rank1, p.ncoa_forward, p.ncoa_family,
       array_to_string(list_transform(s.sources, lambda i: n.names[i]), ';') AS sources,
       array_to_string(list_transform(s.indep_sources, lambda i: n.names[i]), ', ') AS indep_sources,
       p.relationship, p.party_name,
       coalesce(s.support, 0.0) AS support,
       coalesce(s.best_s, 0.0) AS best_s,
       p.pt
FROM pt p
JOIN rs_pt k ON k.pt = p.pt
CROSS JOIN rs_src_names n
LEFT JOIN sup s ON s.pt = p.pt
LEFT JOIN recs r ON r.pt = p.pt;
DROP TABLE rs_src_names;

-- Debtor addresses reported for many unrelated debtors, and whether those debtors' own evidence
-- places them there (docs/confidence.md, "An address of many debtors"). An audit case keyed a
-- creditor's office suite as the address of 150 accounts and its bureau echoed it on 5% of its
-- rows: the office was the rank-1 address of 45 accounts, at up to 0.97, none of them the
-- debtor's home (the model scores one bureau row of it like any bureau row), and where that row
-- was the account's newest it superseded the real home (rs_neg below). Many unrelated debtors at
-- one dwelling is not by itself wrong: a group quarters without units (a nursing home, a
-- dormitory, a prison) is where its residents live (pseudopeople's seed 11 has six, 80-105
-- debtors each; where one ranks first it is right on 492 of 496 accounts). What tells them
-- apart is what the debtors' own records say: at a group quarters most of its debtors' records
-- place them there last (76-93% of them); at an office keyed or echoed into debtors' files most
-- are last reported elsewhere, at their homes (30 of the 317 whose records place them
-- anywhere, 9%).
-- Judged here, before supersession and the model, once for the run: rs_neg does not take such
-- an address as a newer residence of the account, and 08_finalize.sql ranks it after the
-- account's other addresses with its confidence at most the share. Every account's points are
-- in rs_cs (06 is the scoring part: all accounts, incremental or not).
-- A dwelling is the point's key, the street address WITH its unit (sql/match/crowded_dwelling.sql
-- counts dwellings the same way): the apartments of one building are each a dwelling of their
-- own, so a building of many units is not crowded, and a building reported without the unit
-- counts the debtors placed in its apartments as placed there (rs_building_of). Debtors are the
-- accounts' debtors told apart by standardized surname and given name, as 07 counts the
-- holders of a phone (one person's several accounts count once). A dwelling of more than
-- $crowded_debtors debtors is kept, with `judged`, its debtors whose own records report some
-- address of theirs (an account with only its on-file address says nothing of where its
-- debtor lives), and `placed`, those of them whose own records place them there last: the
-- account's most recently reported such address (a mailable one first; then the best
-- supported, the most records) is this dwelling or an apartment of it. `elsewhere` when more
-- than $crowded_debtors are judged and fewer than $crowded_placed_share of them are placed
-- there. (Before 06 computed it, 08 read the best address by the model's score; on the audit
-- case and pseudopeople's group quarters the shares were the same within 0.02: the model's
-- best address is mostly the newest.)
CREATE OR REPLACE TEMP TABLE rs_crowded AS
WITH pts AS (
    SELECT c.account_id, r.contact_key, c.has_support, c.last_seen, c.support, c.n_records,
           rs_unmailable(r.contact_type, r.street_number, r.street_name, r.std_line1) AS unmailable
    FROM rs_cs c
    JOIN rs_rep r ON r.pt = c.pt
    WHERE c.role = 'debtor' AND c.contact_type = 'address'
),
names AS (
    SELECT account_id, min(last_std) AS last_std, min(first_canon) AS first_canon,
           min(first_std) AS first_std
    FROM acct_std
    GROUP BY account_id
),
held AS (
    SELECT DISTINCT p.contact_key, p.account_id,
           coalesce(a.last_std || '|' || coalesce(a.first_canon, a.first_std, ''),
                    '#' || p.account_id) AS debtor
    FROM pts p
    LEFT JOIN names a ON a.account_id = p.account_id
),
crowded AS (
    SELECT contact_key, count(DISTINCT debtor) AS debtors
    FROM held
    GROUP BY contact_key
    HAVING count(DISTINCT debtor) > CAST($crowded_debtors AS INTEGER)
),
best AS (
    -- the address the account's own records report last (mailable first); an account whose
    -- addresses are only on file says nothing of where its debtor lives (a creditor's office
    -- keyed on it, and nothing else) and is not counted
    SELECT account_id,
           arg_max(contact_key, (NOT unmailable, last_seen, support, n_records, contact_key))
               AS best_key
    FROM pts
    SEMI JOIN (SELECT h.account_id FROM held h SEMI JOIN crowded c ON c.contact_key = h.contact_key) k
           ON k.account_id = pts.account_id
    WHERE has_support
    GROUP BY account_id
),
counted AS (
    SELECT c.contact_key, c.debtors, count(DISTINCT h.debtor) AS judged,
           count(DISTINCT h.debtor) FILTER (
               WHERE b.best_key = c.contact_key OR rs_building_of(b.best_key, c.contact_key)) AS placed
    FROM crowded c
    JOIN held h ON h.contact_key = c.contact_key
    JOIN best b ON b.account_id = h.account_id
    GROUP BY c.contact_key, c.debtors
)
SELECT c.contact_key, c.debtors, coalesce(n.judged, 0) AS judged, coalesce(n.placed, 0) AS placed,
       coalesce(n.judged > CAST($crowded_debtors AS INTEGER)
                AND n.placed < CAST($crowded_placed_share AS DOUBLE) * n.judged, false) AS elsewhere
FROM crowded c
LEFT JOIN counted n ON n.contact_key = c.contact_key;

-- Negative evidence for debtor addresses:
--  * superseded: a reliable source saw another address more recently (last seen later);
--  * succeeded: another address, reported by a reliable source, *began* after this one (first
--    seen later) and is still reported about as late as this one (last seen no more than
--    rs_succeeded_window_days earlier). Last-seen dates lag a move: a vendor keeps reporting the
--    old address for months after the consumer left (creditors update on their own cycles), so
--    the old address can carry the newest last-seen date of all. The order in which residences
--    began is the sharper signal: people move on, they rarely start living at an address they
--    left. But a single one-date record does not succeed an address that at least
--    rs_succession_contradicting_sources independent sources report on or after its date;
--  * NCOA moves away from (any variant of) this address with no later evidence of living there
--    again (evidence within rs_moved_back_days after the move is that lag, not a return).
-- An address of many debtors most of whom live elsewhere (rs_crowded above: a creditor's office
-- keyed or echoed into their files) neither supersedes nor succeeds another: its report says
-- the record's source had that address on file, not that the debtor moved there. The audit's
-- office row, the newest of the account, made the real home 'superseded' at a low confidence
-- while the office itself was ranked last. Unless a collector reached the account's debtor
-- there (the latest outcome a right-party contact, as 08b lifts the demotion): then it is a
-- residence like any other.
CREATE OR REPLACE TEMP TABLE rs_neg AS
WITH superseders AS (
    SELECT c.*
    FROM rs_cs c
    WHERE c.role = 'debtor' AND c.contact_type = 'address'
      AND c.pt NOT IN (
          SELECT r.pt
          FROM rs_rep r
          JOIN rs_crowded cr ON cr.elsewhere AND cr.contact_key = r.contact_key
          LEFT JOIN rs_outcome_last ov
                 ON ov.account_id = r.account_id AND ov.contact_type = 'address'
                AND ov.contact_key = r.contact_key
          WHERE r.role = 'debtor' AND r.contact_type = 'address'
            AND NOT coalesce(list_contains(good_verdicts(), ov.outcome), false))
),
succ AS (
    SELECT t.pt
    FROM rs_cs t
    JOIN superseders o
      ON o.account_id = t.account_id AND o.role = 'debtor' AND o.contact_type = 'address'
     AND o.cid <> t.cid AND o.best_s >= CAST($superseding_min AS DOUBLE)
     -- the building reported without the apartment does not say the person left the unit
     AND NOT (rs_building_of(t.cid, o.cid)
              AND NOT rs_unit_stale(o.first_seen, o.onfile_date, t.last_seen, t.onfile_date,
                                    CAST($unit_stale_days AS INTEGER)))
     AND o.first_seen > t.first_seen + to_days(CAST($superseded_days AS INTEGER))
     AND o.last_seen >= t.last_seen - to_days(CAST($succeeded_window_days AS INTEGER))
     -- one lone report (a single record of a single date) does not succeed an address that
     -- several independent sources still report on or after that date: that is a conflict
     -- between one record and the others (a mistyped or misattributed record), not a move
     -- (issue 16). A record that dates a residence span (a vendor's first and last seen) is a
     -- residence history: succession reads it as before.
     AND NOT (o.n_records <= 1 AND o.first_seen = o.last_seen
              AND t.n_sources >= CAST($succession_contradicting_sources AS INTEGER)
              AND t.last_seen >= o.first_seen)
    WHERE t.role = 'debtor' AND t.contact_type = 'address' AND t.first_seen IS NOT NULL
    GROUP BY t.pt
),
newer AS (
    SELECT t.pt,
           max(date_diff('day', coalesce(t.last_seen, t.onfile_date, o.last_seen - INTERVAL 5 YEAR), o.last_seen)) / 365.25 AS gap_years
    FROM rs_cs t
    JOIN superseders o
      ON o.account_id = t.account_id AND o.role = 'debtor' AND o.contact_type = 'address'
     AND o.cid <> t.cid AND o.best_s >= CAST($superseding_min AS DOUBLE)
     -- the building reported without the apartment does not say the person left the unit
     AND NOT (rs_building_of(t.cid, o.cid)
              AND NOT rs_unit_stale(o.first_seen, o.onfile_date, t.last_seen, t.onfile_date,
                                    CAST($unit_stale_days AS INTEGER)))
     AND o.last_seen > coalesce(t.last_seen, t.onfile_date, DATE '1900-01-01')
                       + to_days(CAST($superseded_days AS INTEGER))
    WHERE t.role = 'debtor' AND t.contact_type = 'address'
    GROUP BY t.pt
),
moves AS (
    SELECT l.account_id, l.lab AS cid, n.code, n.eff_date
    FROM rs_ncoa_apply n
    JOIN rs_var v
      ON v.account_id = n.account_id AND v.role = 'debtor' AND v.place = n.o_place
     AND (v.vkey = n.o_key
          OR (rs_same_street(v.street_number, v.street_name, v.suffix, v.predir, v.place,
                             n.o_number, n.o_street, n.o_suffix, n.o_predir, n.o_place, $street_jw)
              AND rs_dirs_agree(v.postdir, n.o_postdir)
              -- a family move of another household member: the same dwelling only (04)
              AND CASE n.how WHEN 'household' THEN v.unit IS NOT DISTINCT FROM rs_unit(n.o_unit)
                             ELSE rs_units_ok(v.unit, n.o_unit) END))
    JOIN rs_lab l ON l.account_id = v.account_id AND l.role = v.role AND l.vkey = v.vkey
),
moved AS (
    SELECT t.pt,
           bool_or(true) AS moved_from,
           bool_or(m.code IN ('01', '02', '03')) AS ncoa_no_forward,
           max(m.eff_date) AS move_date
    FROM moves m
    JOIN rs_cs t ON t.account_id = m.account_id AND t.role = 'debtor' AND t.contact_type = 'address' AND t.cid = m.cid
    -- evidence of living there well after the move means the person came back
    WHERE m.eff_date IS NULL OR t.last_seen IS NULL
       OR t.last_seen <= m.eff_date + to_days(CAST($moved_back_days AS INTEGER))
    GROUP BY t.pt
),
shared AS (
    -- over the distinct variants (rs_vk) rather than the evidence rows: only existence counts
    SELECT DISTINCT d.pt
    FROM rs_vk d
    JOIN rs_vk t
      ON t.account_id = d.account_id AND t.contact_type = d.contact_type AND t.vkey = d.vkey
     AND t.role = 'third_party'
    WHERE d.role = 'debtor'
),
comp AS (
    SELECT account_id, contact_type, count(*) FILTER (WHERE has_support) AS n_supported
    FROM rs_cs WHERE role = 'debtor'
    GROUP BY ALL
),
-- rivals: the account's other supported points of the type at least as well supported as this
-- one (support, noisy-OR of match x reliability; ties count). `competitors` counts them all;
-- as a model input the count was unbounded: a debtor traced by 300 credit-header records with
-- 300 numbers had 301 competitors on every number, and the vendor's first candidate, the
-- number that reaches the person, scored 0.0096 (audit). Beyond the most competitors the
-- fitted data had, the model input counts the rivals only (matchers/confidence.py
-- competitors_log): weaker candidates do not compete with the best-supported one, the 300
-- equally weak ones still compete with each other.
rivals AS (
    SELECT pt,
           sum(CASE WHEN has_support THEN 1 ELSE 0 END) OVER (
               PARTITION BY account_id, contact_type ORDER BY support DESC
               RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           - CASE WHEN has_support THEN 1 ELSE 0 END AS rivals
    FROM rs_cs WHERE role = 'debtor'
)
SELECT c.account_id, c.role, c.contact_type, c.cid,
       coalesce(nw.gap_years IS NOT NULL, false) AS superseded,
       sc.pt IS NOT NULL AS succeeded,
       least(greatest(coalesce(nw.gap_years, 0.0), 0.0), 5.0) AS newer_gap_years,
       coalesce(mv.moved_from, false) AS moved_from,
       coalesce(mv.ncoa_no_forward, false) AS ncoa_no_forward,
       mv.move_date,
       sh.pt IS NOT NULL AS shared_third_party,
       greatest(coalesce(cp.n_supported, 0) - CASE WHEN c.has_support THEN 1 ELSE 0 END, 0) AS competitors,
       CAST(coalesce(rv.rivals, 0) AS INTEGER) AS rivals,
       c.pt
FROM rs_cs c
LEFT JOIN newer nw ON c.role = 'debtor' AND c.contact_type = 'address' AND nw.pt = c.pt
LEFT JOIN succ sc ON c.role = 'debtor' AND c.contact_type = 'address' AND sc.pt = c.pt
LEFT JOIN moved mv ON c.role = 'debtor' AND c.contact_type = 'address' AND mv.pt = c.pt
LEFT JOIN shared sh ON c.role = 'debtor' AND sh.pt = c.pt
LEFT JOIN comp cp ON c.role = 'debtor' AND cp.account_id = c.account_id AND cp.contact_type = c.contact_type
LEFT JOIN rivals rv ON c.role = 'debtor' AND rv.pt = c.pt;

-- The key tables are not needed after this step (07 reads rs_pt once and drops it): the
-- memory they hold is the write's (09).
DROP TABLE rs_vk;
