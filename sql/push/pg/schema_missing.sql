-- The columns the migrations create (applied to empty copies in this session's temporary
-- schema) that the target's table or view of the same name in $schema lacks, and whether that
-- relation exists at all: a column renamed or dropped, a table or view dropped by hand.
SELECT c.relname::text, a.attname::text,
       to_regclass(quote_ident($schema) || '.' || quote_ident(c.relname)) IS NOT NULL
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind IN ('r', 'v')
  AND NOT EXISTS (
      SELECT 1 FROM pg_attribute t
      WHERE t.attrelid = to_regclass(quote_ident($schema) || '.' || quote_ident(c.relname))
        AND t.attname = a.attname AND t.attnum > 0 AND NOT t.attisdropped)
ORDER BY c.relname, a.attnum;
