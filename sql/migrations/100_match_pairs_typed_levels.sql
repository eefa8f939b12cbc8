-- match_pairs.levels and .weights become typed structs, one field per comparison, instead of
-- JSON text.
--
-- Why: every run writes every stored pair (3.15M at 1M accounts), and rendering and storing the
-- two JSON objects of each (about 250 characters) was most of that write: 3.15M pairs sorted
-- and stored took 7-9.5 s with the JSON, 2.1-3.0 s with the structs, 1.2-1.7 s without either
-- (docs/performance.md, nineteenth session). A struct is stored column by column, small
-- integers and doubles, and reads back in Python as the same dict; `to_json(levels)` gives the
-- text the JSON column held, byte for byte.
--
-- The fields are the comparisons of matchers/compare.py (COMPARISONS), in their order. Adding a
-- comparison means a migration that adds the field: sql/match/write_pairs.sql names every field,
-- so a run cannot write a pair the column cannot hold, and tests/matchers/test_level_numbers.py
-- checks that the two lists agree.
--
-- Rows written before: each object is cast into the struct; a comparison a row does not have
-- stays NULL (every run since the first has had all nine, and explain skips a NULL field, as it
-- skipped a missing key). A key outside the nine would be lost, so the migration refuses such a
-- database instead of converting it (a check, not logged). The conversion is DuckDB's own cast
-- of the text to a struct, which reads these objects exactly (the 100k benchmark's 729,614
-- pairs: the same values as json_transform, and to_json of the struct is the stored text), not
-- json_transform: an ALTER stays in the write-ahead log until the next checkpoint, and
-- replaying the log when the database is opened runs before the JSON functions are loaded. A
-- process killed in between would have left a database that cannot be opened
-- (tests/test_sql_migrations.py).
SELECT CASE WHEN count(*) > 0
            THEN error('migration 100: match_pairs.levels holds a comparison this version does not know: ' || any_value(key))
       END
FROM (SELECT unnest(json_keys(levels)) AS key FROM match_pairs
      UNION ALL SELECT unnest(json_keys(weights)) FROM match_pairs)
WHERE key NOT IN ('first_name', 'last_name', 'dob', 'ssn', 'address', 'phone', 'email',
                  'suffix', 'middle_initial');

ALTER TABLE match_pairs ALTER levels SET DATA TYPE
    STRUCT(first_name INTEGER, last_name INTEGER, dob INTEGER, ssn INTEGER, address INTEGER,
           phone INTEGER, email INTEGER, suffix INTEGER, middle_initial INTEGER)
    USING CAST(CAST(levels AS VARCHAR) AS
        STRUCT(first_name INTEGER, last_name INTEGER, dob INTEGER, ssn INTEGER, address INTEGER,
               phone INTEGER, email INTEGER, suffix INTEGER, middle_initial INTEGER));

ALTER TABLE match_pairs ALTER weights SET DATA TYPE
    STRUCT(first_name DOUBLE, last_name DOUBLE, dob DOUBLE, ssn DOUBLE, address DOUBLE,
           phone DOUBLE, email DOUBLE, suffix DOUBLE, middle_initial DOUBLE)
    USING CAST(CAST(weights AS VARCHAR) AS
        STRUCT(first_name DOUBLE, last_name DOUBLE, dob DOUBLE, ssn DOUBLE, address DOUBLE,
               phone DOUBLE, email DOUBLE, suffix DOUBLE, middle_initial DOUBLE));
