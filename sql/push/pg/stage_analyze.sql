-- Temporary tables are never auto-analyzed: without statistics the upserts' joins are planned
-- for a handful of rows, and a million-row push takes minutes instead of seconds.
ANALYZE st_contacts, st_flags, st_suppressions;
