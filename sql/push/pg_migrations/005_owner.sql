-- 005: which skiptrace database owns this target, and which database pushed each run.
--
-- A push retires what its run no longer has. Two skiptrace databases pushing to one target (a
-- test portfolio, a client's separate book) retired each other's contacts, flags and
-- suppressions, cease-and-desists and bankruptcy stays among them. Now the first push records
-- its database (DuckDB's database_identity) here and a push from another database is refused
-- (exit 6) unless `--replace-owner` hands the target over on purpose (docs/push.md, "One
-- database per target").
--
-- A target pushed to before this version has no owner yet: the first push after the upgrade
-- becomes the owner only if its database holds the newest run already pushed, and then marks
-- the runs pushed before (database_id NULL) as its own.
CREATE TABLE IF NOT EXISTS skiptrace_owner (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),  -- one row at most
    database_id  text NOT NULL,
    run_id       text NOT NULL,        -- the push that made it the owner
    since        timestamptz NOT NULL DEFAULT now(),
    replaced     text                  -- the database it replaced (--replace-owner), if any
);
ALTER TABLE skiptrace_runs ADD COLUMN IF NOT EXISTS database_id text;
