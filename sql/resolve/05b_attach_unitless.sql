-- A unit-less point (every member lacks a unit: edges only join equal units) joins the one
-- unit-bearing point on the same street, when there is exactly one such point. Points meet
-- through their centers (05a): a slip of the unit-less center one more slip from a unit's
-- spelling is two slips from it, and slips do not chain.
UPDATE rs_lab SET lab = m.to_lab
FROM (
    SELECT la.account_id, la.role, la.lab AS from_lab, min(lb.lab) AS to_lab
    FROM rs_var a
    JOIN rs_lab la
      ON la.account_id = a.account_id AND la.role = a.role AND la.vkey = a.vkey AND la.lab = a.vkey
    JOIN rs_var b
      ON b.account_id = a.account_id AND b.role = a.role
     AND a.unit IS NULL AND b.unit IS NOT NULL
    JOIN rs_lab lb
      ON lb.account_id = b.account_id AND lb.role = b.role AND lb.vkey = b.vkey AND lb.lab = b.vkey
    WHERE rs_same_place(a.zip5, a.city, a.state, b.zip5, b.city, b.state)
      AND rs_same_street_line(a.street_number, a.street_name, a.suffix, a.predir,
                              b.street_number, b.street_name, b.suffix, b.predir, $street_jw)
      AND rs_dirs_agree(a.postdir, b.postdir)
    GROUP BY la.account_id, la.role, la.lab
    HAVING count(DISTINCT lb.lab) = 1
) m
WHERE rs_lab.account_id = m.account_id AND rs_lab.role = m.role AND rs_lab.lab = m.from_lab;
