-- Temp macros for contact resolution. Parameters of the run come from DuckDB variables set by
-- matchers/resolve.py (rs_run_id, rs_as_of, rs_street_jw, ...), so every file here is plain SQL.

-- A unit number as compared: alphanumerics only, leading zeros dropped ('04' = '4'), NULL if empty.
CREATE OR REPLACE TEMP MACRO rs_unit(u) AS
    nullif(ltrim(regexp_replace(upper(coalesce(u, '')), '[^A-Z0-9]', '', 'g'), '0'), '');

-- Units compatible: equal, or one side has none (a source dropped it).
CREATE OR REPLACE TEMP MACRO rs_units_ok(u1, u2) AS
    (rs_unit(u1) IS NULL OR rs_unit(u2) IS NULL OR rs_unit(u1) = rs_unit(u2));

-- Same street: same ZIP5 and street number, street names agree (Jaro-Winkler), and the Pub 28
-- suffix / pre-directional do not contradict each other (MAIN ST vs MAIN AVE are two streets).
CREATE OR REPLACE TEMP MACRO rs_same_street(n1, s1, sfx1, pd1, z1, n2, s2, sfx2, pd2, z2) AS (
    z1 = z2 AND n1 = n2 AND s1 IS NOT NULL AND s2 IS NOT NULL
    AND jaro_winkler_similarity(s1, s2) >= getvariable('rs_street_jw')
    AND (sfx1 IS NULL OR sfx2 IS NULL OR sfx1 = sfx2)
    AND (pd1 IS NULL OR pd2 IS NULL OR pd1 = pd2)
);

-- Vendor / source phone-type vocabularies onto one line-type vocabulary.
CREATE OR REPLACE TEMP MACRO rs_line_type(t) AS (
    CASE
        WHEN t IS NULL OR trim(t) = '' THEN NULL
        WHEN lower(trim(t)) IN ('mobile', 'cell', 'cellular', 'wireless', 'm', 'c', 'cell phone') THEN 'mobile'
        WHEN lower(trim(t)) IN ('landline', 'land', 'fixed', 'fixed_line', 'residential', 'home', 'l', 'h', 'r', 'pots') THEN 'landline'
        WHEN lower(trim(t)) IN ('voip', 'v', 'internet') THEN 'voip'
        WHEN lower(trim(t)) IN ('toll_free', 'tollfree', 'toll free') THEN 'toll_free'
        ELSE NULL
    END
);
