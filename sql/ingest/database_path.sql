-- The file of the connection's database (NULL or ':memory:' for an in-memory one): the HMAC key
-- file lives next to it.
SELECT path FROM duckdb_databases() WHERE database_name = current_database();
