-- 014: field issues. A defective *field* (invalid SSN, unparseable or future date, invalid
-- state / ZIP / phone / email / code / amount, an SSN typed into another field) no longer sends
-- its row to quarantine: the row loads with that field NULL and one row here says which file,
-- line and column, why, and the value as delivered with SSN-shaped runs and SSN digits masked.
-- Unambiguous repairs (day/month swapped, other date forms, two-digit years, SSN separators or
-- a lost leading zero) load the repaired value and are recorded here too, reason 'repaired_*'.
-- input_files also records how each file was decoded (encoding, lines that needed the cp1252
-- fallback, lines with NUL / control characters stripped, CR-only line endings).

CREATE TABLE IF NOT EXISTS field_issues (
    run_id       VARCHAR,
    file_no      BIGINT,
    source       VARCHAR,
    path         VARCHAR,
    line_no      BIGINT,     -- physical line in the file, header = line 1
    column_name  VARCHAR,    -- canonical field (vendor candidates: field#rank)
    file_column  VARCHAR,    -- the column in the delivered file
    reason       VARCHAR,    -- invalid_ssn, future_date, ..., or repaired_*
    action       VARCHAR,    -- nulled | repaired | rejected (the source's on_field_error: reject)
    value_masked VARCHAR     -- as delivered, SSN-shaped runs and SSN digits masked, truncated
);

ALTER TABLE input_files ADD COLUMN IF NOT EXISTS encoding VARCHAR;
ALTER TABLE input_files ADD COLUMN IF NOT EXISTS lines_fallback_decoded BIGINT;
ALTER TABLE input_files ADD COLUMN IF NOT EXISTS lines_control_stripped BIGINT;
ALTER TABLE input_files ADD COLUMN IF NOT EXISTS field_issues BIGINT;
