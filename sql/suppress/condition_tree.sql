-- A rule's condition as DuckDB's parser reads it (JSON): matchers/suppress.py
-- condition_columns walks it for the column names the condition reads.
SELECT json_serialize_sql($q)
