INSERT INTO skiptrace_schema_version (version, name) VALUES ($version, $name);
