-- 025: warnings of runs that completed anyway.
-- A source marked `optional: true` in sources.yml may have no file on a given night; the run
-- then completes, but a scheduler and an auditor must still see that it ran without that source
-- (issue 18: a missing extract quietly cut the matched records by two thirds). Each warning is
-- one row: run_summary.json lists them, the run report shows them, and `skiptrace run` exits
-- with 7 ("completed with warnings") when its run has any. Additive: a new table.

CREATE TABLE IF NOT EXISTS run_warnings (
    run_id       VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL,   -- the stage that raised it (ingest, ...)
    message      VARCHAR NOT NULL,   -- one line, no personal data (names sources and files)
    recorded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
