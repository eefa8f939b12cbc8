-- The PostgreSQL migrations applied (sql/push/pg_migrations/NNN_*.sql), one row per version.
CREATE TABLE IF NOT EXISTS skiptrace_schema_version (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
