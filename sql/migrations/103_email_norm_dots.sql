-- 103: email_norm (first defined in 004) refuses a local part with a leading, trailing or
-- doubled dot (patrick.@gmail.com, .pat@x.com: not addresses, RFC 5321 dot-atoms) and reads one
-- trailing dot after the domain as absent (carl@gmail.com. -> carl@gmail.com, as ingest repairs
-- it). Macros live in the database, so a changed macro is a new migration: 004 stays as it was
-- applied. matchers/emails.py is the Python twin.
CREATE OR REPLACE MACRO email_norm(e) AS
    CASE WHEN regexp_full_match(regexp_replace(lower(trim(e)), '\.$', ''),
                                '[a-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&''*+/=?^_`{|}~-]+)*@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}')
         THEN regexp_replace(lower(trim(e)), '\.$', '') END;
