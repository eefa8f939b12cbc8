-- The columns of one table of the main database and their types ($table_name): what an archived
-- run's Parquet column is converted to when it was written in an older type (flows/audit/archive.py).
SELECT column_name, data_type
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $table_name;
