-- One push of a run, recorded in DuckDB once PostgreSQL has committed (or failed). Times in
-- UTC, as in `runs`.
INSERT INTO pushes (run_id, target, started_at, ended_at, status, contacts, inserted, updated,
                    retired, flags, suppressions, seconds, message)
VALUES ($run_id, $target, $started_at, $ended_at, $status, $contacts, $inserted,
        $updated, $retired, $flags, $suppressions, $seconds, $message)
