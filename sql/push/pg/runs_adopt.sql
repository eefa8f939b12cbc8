-- The runs pushed before the target recorded owners (database_id NULL) become the new owner's,
-- once it has shown it holds the newest of them: the older-run check then compares with them.
UPDATE skiptrace_runs SET database_id = $database_id WHERE database_id IS NULL;
