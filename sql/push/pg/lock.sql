SELECT pg_advisory_xact_lock(hashtext('skiptrace_push'));
