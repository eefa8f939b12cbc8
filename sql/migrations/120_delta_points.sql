-- 120: delta_points, what delta.csv reads of each contact point a run emitted (issue 20).
--
-- Why: delta.csv compares a run's points with the previous completed run's. It recomputed both
-- runs' usability (contact_usability, sql/exports/export_macros.sql: JSON facts, compliance
-- decisions, calling windows) over every point of both runs each night, 4.9M points a run at
-- 1M accounts, when the previous run's answer had been computed the night before. Emit now
-- writes its run's answer here (sql/exports/delta_points_write.sql) before the run's delta
-- reads it, and the next run's delta reads the previous run's rows instead of recomputing them.
--
-- delta_point_runs: one row per run whose rows are stored, written in the same transaction as
-- the rows (a run without it has no usable rows: the delta recomputes, as before). The rows
-- depend on the run's contact points and decisions and on what the row says here: the bad and
-- verify bands they were judged under, the ZIP format, and `definition`, a digest of the SQL
-- that computed them (emit.py). A later delta uses them only when all of these equal what it
-- would recompute with; otherwise (bands or code changed, a run emitted before this migration)
-- it recomputes the previous run, so delta.csv is the same either way.
--
-- Retention: emit keeps the rows of its own run, of the run its delta compares with and of the
-- newest completed run (the next night's previous run), and deletes every other run's
-- (sql/exports/delta_points_prune.sql): two or three runs' rows at most, never the history.
--
-- Privacy: the same contact data as contact_points (addresses, phones, e-mails, the reasons in
-- words); no SSN, no date of birth, no name. The many-valued text columns are zstd-compressed:
-- DuckDB's default choice for them wrote a run's rows slower and read them back faster, in 2.4
-- times the space (85 against 36 MB for two runs at 100k accounts).
CREATE TABLE IF NOT EXISTS delta_point_runs (
    run_id      VARCHAR   NOT NULL,
    definition  VARCHAR   NOT NULL,  -- sha256 of the SQL that computed the rows (emit.py)
    zip_format  VARCHAR   NOT NULL,  -- the ZIP format `zip` is written in
    bad         DOUBLE    NOT NULL,  -- the bands `bad`, `held`, the reasons were judged under
    verify      DOUBLE    NOT NULL,
    points      BIGINT    NOT NULL,  -- rows written
    written_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS delta_points (
    run_id             VARCHAR,
    account_id         VARCHAR USING COMPRESSION zstd,
    contact_type       VARCHAR,
    role               VARCHAR,
    contact_key        VARCHAR USING COMPRESSION zstd,
    rank               INTEGER,
    status             VARCHAR,
    confidence         DOUBLE,
    reasons            VARCHAR USING COMPRESSION zstd,  -- shown for the run's own points
    bad                BOOLEAN,                         -- contact_usability's decisions
    bad_reason         VARCHAR USING COMPRESSION zstd,
    held               BOOLEAN,
    hold_reason        VARCHAR USING COMPRESSION zstd,
    on_hold            BOOLEAN,                         -- the rule hold (false for NULL)
    address_line1      VARCHAR USING COMPRESSION zstd,
    address_line2      VARCHAR USING COMPRESSION zstd,
    unit               VARCHAR USING COMPRESSION zstd,
    city               VARCHAR USING COMPRESSION zstd,
    state              VARCHAR,
    zip                VARCHAR USING COMPRESSION zstd,  -- in delta_point_runs.zip_format
    phone              VARCHAR USING COMPRESSION zstd,
    email              VARCHAR USING COMPRESSION zstd,
    phone_type         VARCHAR,
    extension          VARCHAR USING COMPRESSION zstd,
    time_zone          VARCHAR,
    tz_area_code       VARCHAR,
    dial_mode          VARCHAR,
    consent_autodialer BOOLEAN                          -- false for NULL
);
