-- Tables of collection outcomes (any table whose name contains 'outcome' and that has an
-- account_id column), so the account page shows them when another feature adds one.
SELECT t.table_name
FROM duckdb_tables() t
WHERE t.table_name ILIKE '%outcome%'
  AND EXISTS (SELECT 1 FROM duckdb_columns() c
              WHERE c.table_name = t.table_name AND c.column_name = 'account_id')
ORDER BY t.table_name;
