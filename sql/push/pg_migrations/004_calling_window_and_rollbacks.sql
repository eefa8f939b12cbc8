-- 004: a phone's calling window, as import_phones.csv states it; older runs pushed over newer
-- ones recorded.
--
-- Reg F 12 CFR 1006.6(b)(1): no call before 8 a.m. or after 9 p.m. at the consumer's location,
-- and with ambiguous information, in every location it indicates. Until this version the push
-- carried only `time_zone`, the best address's zone, while import_phones.csv gave each phone the
-- hours that are 08:00-21:00 in every zone the consumer may be in: a New York consumer with a
-- Central area code may be called 09:00-21:00 New York time, not 08:00. A dialer reading
-- skiptrace_contacts could call an hour early. The columns now carry the file's window
-- (sql/push/stage_contacts.sql, the same macro as the file): call_window_tz, call_window_start,
-- call_window_end (exclusive), call_window_zones (every zone it respects), tz_area_code and
-- tz_conflict. NULL but for phones, and for a phone with no common hour, which is held and
-- never callable.
--
-- The first push after this migration rewrites every phone row (the new columns): a one-time
-- change of that many rows. The upgrade alters the table, so run that push as the tables' owner
-- (docs/push.md, "Least privileges").
ALTER TABLE skiptrace_contacts
    ADD COLUMN IF NOT EXISTS tz_area_code text,
    ADD COLUMN IF NOT EXISTS tz_conflict boolean,
    ADD COLUMN IF NOT EXISTS call_window_tz text,
    ADD COLUMN IF NOT EXISTS call_window_start time,
    ADD COLUMN IF NOT EXISTS call_window_end time,
    ADD COLUMN IF NOT EXISTS call_window_zones text[];

-- A callable phone whose zones are known has a window, whoever writes the row (rows pushed
-- before this version have no zones and are checked only once a push writes them).
ALTER TABLE skiptrace_contacts DROP CONSTRAINT IF EXISTS callable_phone_has_window;
ALTER TABLE skiptrace_contacts ADD CONSTRAINT callable_phone_has_window CHECK (
    NOT callable OR contact_type <> 'phone' OR coalesce(cardinality(call_window_zones), 0) = 0
    OR (call_window_start IS NOT NULL AND call_window_end IS NOT NULL)
);

-- The view keeps its columns and adds the window's at the end (CREATE OR REPLACE VIEW can
-- only append, and keeps the grants the platform's roles have on it). time_zone is the
-- consumer's zone (the best address's), not the window's: call by call_window_start and
-- call_window_end, in call_window_tz.
CREATE OR REPLACE VIEW skiptrace_current_contacts AS
SELECT account_id, contact_type, contact_key,
       row_number() OVER (PARTITION BY account_id, contact_type
                          ORDER BY rank, confidence DESC, contact_key) AS usable_rank,
       rank, confidence, status, dial_mode, time_zone, phone, phone_type, email, address_line1,
       address_line2, city, state, zip, reasons, run_id, updated_at,
       call_window_tz, call_window_start, call_window_end, call_window_zones, tz_conflict,
       tz_area_code
FROM skiptrace_contacts
WHERE active AND callable;

-- A run older than the newest one pushed, pushed anyway (--allow-older-run): when, over which
-- run, and how many of that newer run's decisions the push kept (sql/push/pg/keep_newer.sql:
-- contacts it held or suppressed stay not callable, its active suppressions and flags stay
-- active). skiptrace_runs is written once per run, so it could not show a rollback.
CREATE TABLE IF NOT EXISTS skiptrace_rollbacks (
    pushed_at          timestamptz NOT NULL DEFAULT now(),
    run_id             text NOT NULL,   -- the older run pushed
    as_of              date NOT NULL,
    over_run_id        text NOT NULL,   -- the newest run already pushed
    over_as_of         date NOT NULL,
    contacts_kept      bigint NOT NULL, -- staged callable, kept not callable as over_run_id had it
    suppressions_kept  bigint NOT NULL,
    flags_kept         bigint NOT NULL,
    PRIMARY KEY (run_id, pushed_at)
);

-- The roles that may write or read skiptrace_runs get the same on the new table, so a push
-- role granted before this version (docs/push_role.sql) keeps working after the upgrade.
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT DISTINCT a.grantee::regrole::text AS grantee, a.privilege_type
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = 'skiptrace_runs'::regclass AND a.grantee <> c.relowner AND a.grantee <> 0
          AND a.privilege_type IN ('SELECT', 'INSERT')
    LOOP
        EXECUTE format('GRANT %s ON skiptrace_rollbacks TO %s', g.privilege_type, g.grantee);
    END LOOP;
END $$;
