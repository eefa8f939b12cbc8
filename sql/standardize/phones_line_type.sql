-- SQL twin of matchers.phones.normalize_line_type / line_type, for set-based stages (resolve,
-- emit) that attach a source's line-type code to a cached phone. Installed per connection by
-- matchers.phones.register_line_type_macros(con); a test keeps it equal to the Python map.
--   line_type_code('Cell')                -> 'mobile'   (NULL for HOME/WORK/FAX/unknown codes)
--   line_type(c.phone_type, p.number_type) -> the source's code when it states a line type,
--                                            else the phonenumbers type from std_phone_cache
CREATE OR REPLACE TEMP MACRO line_type_key(code) AS
    trim(regexp_replace(upper(code), '[\s_-]+', ' ', 'g'));

CREATE OR REPLACE TEMP MACRO line_type_code(code) AS
    CASE
        WHEN line_type_key(code) IN ('M', 'MOBILE', 'CELL', 'CELLULAR', 'C', 'WIRELESS',
                                     'CELL PHONE', 'MOBILE PHONE')
          OR replace(line_type_key(code), ' ', '') IN ('M', 'MOBILE', 'CELL', 'CELLULAR', 'C',
                                                       'WIRELESS')
            THEN 'mobile'
        WHEN line_type_key(code) IN ('L', 'LANDLINE', 'LAND', 'LANDLINE PHONE', 'LAND LINE', 'FIXED',
                                     'FIXED LINE', 'WIRELINE', 'POTS')
          OR replace(line_type_key(code), ' ', '') IN ('L', 'LANDLINE', 'LAND', 'FIXED', 'WIRELINE',
                                                       'POTS')
            THEN 'landline'
        WHEN line_type_key(code) IN ('V', 'VOIP', 'INTERNET')
          OR replace(line_type_key(code), ' ', '') IN ('V', 'VOIP', 'INTERNET')
            THEN 'voip'
        WHEN line_type_key(code) IN ('TF', 'TOLLFREE', 'TOLL FREE')
          OR replace(line_type_key(code), ' ', '') IN ('TF', 'TOLLFREE')
            THEN 'toll_free'
    END;

CREATE OR REPLACE TEMP MACRO line_type(code, number_type) AS
    coalesce(line_type_code(code), number_type, 'unknown');
