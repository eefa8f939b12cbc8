-- 095: run_archives, the runs whose per-run rows were moved out of the database into Parquet
-- files beside it (flows/audit/archive.py, `skiptrace archive`).
-- Every run keeps its own match_pairs, contact_points, contact_support, suppressions, account
-- flags and conflicts (lineage), several GB a night at 1M accounts, and nothing ever removed
-- them: the database grew without bound. An archived run's rows are in
-- <db>.archive/<run_id>/<table>.parquet (zstd), checked row for row and by sha256 before its rows
-- leave the database; `explain` reads them back, `skiptrace archive --restore RUN` puts them back.
-- One row per archived run: where the files are, and per table its rows, bytes and sha256.

CREATE TABLE IF NOT EXISTS run_archives (
    run_id      VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,   -- the run's folder, relative to <db>.archive/
    tables      JSON    NOT NULL,   -- {"contact_points": {"rows": n, "bytes": n, "sha256": "..."}, ...}
    rows        BIGINT  NOT NULL,   -- rows moved, every table
    archived_at TIMESTAMP NOT NULL
);
