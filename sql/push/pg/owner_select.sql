-- The skiptrace database that owns this target (migration 005); no row before its first push.
SELECT database_id, run_id, since FROM skiptrace_owner;
