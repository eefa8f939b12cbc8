-- A partial address joins the one complete address of the account it is a part of (issue 16,
-- class 1: "a partial record of the same person should corroborate the complete address, not
-- compete with it"). A record with a blank house number ('STAFFORD AVE') or a blank street
-- ('# 1310', '37919': the standardizer reads a lone number as the house number, sometimes as
-- the unit too) cannot be mailed and never ranks first (08, rs_unmailable), but as a point of
-- its own it still weighed against the complete address it came from: being the newest report
-- of the account, it superseded or succeeded the complete address (06) and contested the
-- account's newest date (07, latest_contested), so the right address ranked first at 0.14-0.46,
-- or at 0.89 where it would otherwise be at 0.99. On pseudopeople tuning seed 11, 123 right
-- rank-1 addresses below confidence 0.9 had such a partial beside them, 1 wrong one.
-- The partial point (its center, 05a; every member has the same missing part) joins a
-- complete point (its center has a house number with a digit and a street name) of the same
-- account and role, at the same place (rs_same_place: up to one slipped or missing part), when
--  * it has a street name and no house number: the street names agree (rs_same_name), the
--    suffix and both directionals do not contradict, the units do not contradict (rs_units_ok);
--  * it has a house number and no street name: the house numbers are equal (OCR letters read
--    as digits: rs_num_digits), and its unit is none, the target's, or the number itself;
-- and only when exactly one complete point qualifies: 'MAIN ST' beside '12 MAIN ST' and
-- '40 MAIN ST' cannot say which it is part of and stays a point of its own, as a unit-less
-- spelling beside two units does (05b_attach_unitless). A PO box is never partial. The
-- complete spelling represents the merged point (06, rs_rep: a clean parse first).
UPDATE rs_lab SET lab = m.to_lab
FROM (
    SELECT la.account_id, la.role, la.lab AS from_lab, min(lb.lab) AS to_lab
    FROM rs_var a
    JOIN rs_lab la
      ON la.account_id = a.account_id AND la.role = a.role AND la.vkey = a.vkey AND la.lab = a.vkey
    JOIN rs_var b
      ON b.account_id = a.account_id AND b.role = a.role AND b.vkey <> a.vkey
    JOIN rs_lab lb
      ON lb.account_id = b.account_id AND lb.role = b.role AND lb.vkey = b.vkey AND lb.lab = b.vkey
    WHERE a.po_box IS NULL AND b.po_box IS NULL
      -- the target is complete: a house number with a digit and a street name
      AND coalesce(regexp_matches(b.street_number, '[0-9]'), false)
      AND nullif(trim(b.street_name), '') IS NOT NULL
      AND rs_same_place(a.zip5, a.city, a.state, b.zip5, b.city, b.state)
      AND (
          -- a street without its house number
          (nullif(trim(a.street_number), '') IS NULL
           AND rs_same_name(a.street_name, b.street_name, $street_jw)
           AND (a.suffix IS NULL OR b.suffix IS NULL OR a.suffix = b.suffix)
           AND rs_dirs_agree(a.predir, b.predir)
           AND rs_dirs_agree(a.postdir, b.postdir)
           AND rs_units_ok(a.unit, b.unit))
          -- a house number without its street
          OR (nullif(trim(a.street_name), '') IS NULL
              AND coalesce(regexp_matches(a.street_number, '[0-9]'), false)
              AND rs_num_digits(a.street_number) = rs_num_digits(b.street_number)
              AND (a.unit IS NULL OR a.unit IS NOT DISTINCT FROM b.unit
                   OR a.unit = rs_unit(a.street_number)))
      )
    GROUP BY la.account_id, la.role, la.lab
    HAVING count(DISTINCT lb.lab) = 1
) m
WHERE rs_lab.account_id = m.account_id AND rs_lab.role = m.role AND rs_lab.lab = m.from_lab;
