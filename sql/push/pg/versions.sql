SELECT version FROM skiptrace_schema_version;
