-- Every account flag names all the records that support it (source:record_id, strongest first),
-- not only the strongest one (rec_id): compliance checks a flag against each of them.
ALTER TABLE account_flags ADD COLUMN IF NOT EXISTS records VARCHAR;
