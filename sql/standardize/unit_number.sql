-- A unit number as compared: a leading unit designator the parser left in the number dropped
-- ('NO 502', 'NUMBER 5', 'AP 202', 'APRT NO 157', 'U 20' are units 502, 5, 202, 157, 20: USPS
-- Publication 28 designators and their common spellings; a designator is not part of the
-- apartment, and kept it made '# 502' and 'NO 502' two units, so the two records of one
-- apartment competed instead of corroborating, issue 16), then alphanumerics only, leading
-- zeros dropped ('04' = '4'), NULL if empty. A designator alone ('UNIT') stays as it is.
-- One rule for every stage that compares units: the matcher's household guards (sides.sql,
-- compare.sql `same_unit`) and resolution's address keys and variants (rs_unit,
-- sql/resolve/00_macros.sql). Installed per connection before either runs (matchers.compare
-- prepare_sides, matchers.resolve). The scorer's twin: flows.demo.evaluate._unit_norm (kept
-- equal by a test).
-- A CASE on a missing unit first: most evidence rows (phones, addresses without a unit) have
-- none, and without it both regexps ran on each of them, on an empty string, to return NULL
-- (06's rs_rep: all 918k evidence rows at 100k).
CREATE OR REPLACE TEMP MACRO unit_key(u) AS
    CASE WHEN u IS NULL THEN NULL ELSE nullif(ltrim(regexp_replace(
        regexp_replace(upper(coalesce(u, '')),
                       '^\s*(?:(?:APARTAMENTO|APARTMENT|APTMNT|APTO|APRT|APT|AP|UNIT|UNT|UN|U|NUMBER|NUM|NBR|NR|NO|SUITE|STE|ROOM|RM)[\s.#]+)+([A-Z0-9])',
                       '\1'),
        '[^A-Z0-9]', '', 'g'), '0'), '') END;
