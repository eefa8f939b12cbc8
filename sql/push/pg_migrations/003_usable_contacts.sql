-- 003: a contact is callable only where the import files would hand it to a collector, and the
-- row says why when it is not.
--
-- Until this version `callable` followed the status, the role and the rules' holds only: an
-- address the consumer moved away from (USPS change of address, a do-not-mail decision, Reg F
-- 1006.42(b)) or a contact below the verify band was callable while import_addresses.csv and
-- import_phones.csv called it `bad` or held it. Now `on_hold` is the import files' on_hold (held
-- by a rule, or confidence below the verify band), `hold_reason` its words (their
-- on_hold_reason), and a bad contact is not callable, with its reason in suppression_reason.
--
-- The first push after this migration rewrites every row whose hold, hold reason or callable
-- changes: a one-time change of that many rows is expected. The upgrade alters the table, so
-- run that push as the tables' owner (docs/push.md, "Least privileges").
ALTER TABLE skiptrace_contacts ADD COLUMN IF NOT EXISTS hold_reason text;

-- A row that carries a reason not to use it is never callable, whoever writes it.
ALTER TABLE skiptrace_contacts DROP CONSTRAINT IF EXISTS callable_without_reason_against;
ALTER TABLE skiptrace_contacts ADD CONSTRAINT callable_without_reason_against
    CHECK (NOT callable OR (suppression_reason IS NULL AND hold_reason IS NULL));

-- The collections side's question, "which contacts may a collector use for this account now,
-- best first": the active, callable rows (of the last pushed run; an outcome the platform
-- records after that push counts from the next push), usable_rank 1 = the best usable contact
-- of its type for the account.
CREATE OR REPLACE VIEW skiptrace_current_contacts AS
SELECT account_id, contact_type, contact_key,
       row_number() OVER (PARTITION BY account_id, contact_type
                          ORDER BY rank, confidence DESC, contact_key) AS usable_rank,
       rank, confidence, status, dial_mode, time_zone, phone, phone_type, email, address_line1,
       address_line2, city, state, zip, reasons, run_id, updated_at
FROM skiptrace_contacts
WHERE active AND callable;
