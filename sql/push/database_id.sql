-- This database's id (migration 119): the owner a push records in PostgreSQL.
SELECT database_id FROM database_identity
