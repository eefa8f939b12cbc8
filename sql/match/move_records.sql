-- The records that are NCOA moves (source kind 'ncoa', $kind): a change of address filed under
-- the name at an address of the mailing list, name and address only (matchers/guards.py,
-- `move_record`). A generational suffix on one side of such a record is held for review only
-- where the account's candidates show another generation ('generation_ambiguous'): on the
-- generated 100k, the one-sided NCOA moves linked where nothing showed one were 503 true links
-- for 15 of another person; the bare credit-header rows linked alike 31 for 10 there, and 39
-- for 20 on the auditor's placeholder case (no SSN or DOB left on the header), so a person
-- record keeps being held on the suffix alone.
CREATE OR REPLACE TEMP TABLE _move_records AS
SELECT DISTINCT rec_id FROM rec_std WHERE kind = $kind;
