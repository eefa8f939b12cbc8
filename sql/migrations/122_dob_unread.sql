-- dob_unread: the digits of a date of birth ingest could not read (field issue unparseable_date,
-- the date itself loads NULL), when they are eight: `19409716` for 1949-07-16 with two digits
-- swapped, `19381131` for 1938-11-13.
--
-- Why: a date of birth mistyped into no calendar date was no date of birth at all to the
-- matcher, and the wrong-party guards read "no DOB" as "nothing rules out another generation":
-- the debtor's own record with its SSN mistyped too was held as the father or son
-- (`ssn_conflict_same_address`), and one with an initial for the given name as a household
-- member (`shared_contact_only`). Eight digits one keystroke (one digit, or two adjacent digits
-- swapped) from the other side's date of birth, written in any of the three orders a date is
-- written in (YYYYMMDD, MMDDYYYY, DDMMYYYY), are that date mistyped: compare.sql scores them as
-- DOB_ONE_COMPONENT, the level of a date one of whose parts is mistyped, and a father's or a
-- spouse's date of birth is that close only by chance. Kept with the row like `dob` itself (a
-- purge removes the row), carried into the identities the matcher reads; NULL on rows loaded
-- before this column (re-deliver with --replace to fill it).
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS dob_unread VARCHAR;
ALTER TABLE source_records ADD COLUMN IF NOT EXISTS dob_unread VARCHAR;
ALTER TABLE acct_std ADD COLUMN IF NOT EXISTS dob_unread VARCHAR;
ALTER TABLE rec_std ADD COLUMN IF NOT EXISTS dob_unread VARCHAR;
