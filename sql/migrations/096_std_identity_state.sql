-- 096: std_identity_state, what the record identities (rec_std, rec_phones) were built from.
-- A record's identity is a function of its own row (rec_id = file and line: source files are
-- append-only, and a re-delivered file gets new rec_ids), its contact rows, the standardizer
-- caches (one row per raw value and standardizer version, never changed within a version) and
-- the build SQL. So while the caches' versions and the build SQL stay the same, a run only has to
-- drop the identities of records that are no longer current and build those of records that are
-- new (matchers/standardize.py). On a 1%-changed night the full rebuild was two thirds of the
-- standardize stage at 100k accounts; at 1M the stage took 18.3 s instead of 29.6 s without it.
-- One row: the key of the build the tables describe.
-- No row (first run, or a build that did not finish) means the next build is a full one. The row
-- also says what the last build did, for an operator asking why a night took long.
CREATE TABLE IF NOT EXISTS std_identity_state (
    build_key       VARCHAR NOT NULL,   -- cache versions + content version of the build SQL
    mode            VARCHAR NOT NULL,   -- 'full' | 'incremental'
    reason          VARCHAR NOT NULL,   -- why that mode ('standardizer or build SQL changed', ...)
    records_built   BIGINT NOT NULL,    -- record identities written
    records_dropped BIGINT NOT NULL,    -- record identities removed (records no longer current)
    built_at        TIMESTAMP NOT NULL
);
