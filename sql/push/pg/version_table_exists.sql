SELECT to_regclass('skiptrace_schema_version') IS NOT NULL;
