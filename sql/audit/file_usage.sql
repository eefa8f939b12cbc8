-- When each input file was last used and whether its raw rows were purged (input_file_usage):
-- read once per run by explain, which attaches it to the files of records and accounts.
SELECT file_no, last_used_run, last_used_at, purged_at FROM input_file_usage;
