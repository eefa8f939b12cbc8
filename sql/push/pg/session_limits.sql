-- The session's bounded waits, in milliseconds (PushSettings, flows/exports/pg.py): a lock held
-- by another session, or a statement that runs too long, ends the push with an error and a
-- rollback instead of an endless wait. Session-wide (is_local false), so every transaction of
-- the connection has them.
SELECT set_config('lock_timeout', $lock_timeout, false),
       set_config('statement_timeout', $statement_timeout, false);
