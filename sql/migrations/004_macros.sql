-- 004: macros shared by every stage, so both sides of a comparison build keys identically.

-- Cache key of a raw address tuple (exactly as loaded; NULL and '' are the same).
CREATE OR REPLACE MACRO addr_raw(line1, line2, city, state, zip) AS
    concat_ws('|', coalesce(line1, ''), coalesce(line2, ''), coalesce(city, ''),
              coalesce(state, ''), coalesce(zip, ''));

-- Cache key of a raw name tuple.
CREATE OR REPLACE MACRO name_raw(first, middle, last, suffix, full_name) AS
    concat_ws('|', coalesce(first, ''), coalesce(middle, ''), coalesce(last, ''),
              coalesce(suffix, ''), coalesce(full_name, ''));

-- Email as compared: trimmed, lowercased; NULL unless it has the shape local@domain.tld.
CREATE OR REPLACE MACRO email_norm(e) AS
    CASE WHEN regexp_full_match(lower(trim(e)), '[a-z0-9!#$%&''*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}')
              AND NOT contains(lower(trim(e)), '..')
         THEN lower(trim(e)) END;
