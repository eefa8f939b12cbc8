-- database_identity: one row, this skiptrace database's id, made once.
--
-- Why: a push writes this database's results into the collections system's PostgreSQL and
-- retires there whatever the run no longer has. A second skiptrace database (a test portfolio,
-- a client's separate book) pushed to the same target retired the first one's contacts, flags
-- and suppressions, cease-and-desists among them. The target now records which database owns
-- it (sql/push/pg_migrations/005_owner.sql) and a push from another one is refused. A copy of
-- the file (a backup restored, the database moved to another machine) is the same database and
-- keeps the id; `skiptrace push --replace-owner` hands a target to another database on purpose.
CREATE TABLE IF NOT EXISTS database_identity (
    database_id  VARCHAR PRIMARY KEY,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);
INSERT INTO database_identity (database_id)
SELECT uuid()::VARCHAR WHERE NOT EXISTS (SELECT 1 FROM database_identity);
