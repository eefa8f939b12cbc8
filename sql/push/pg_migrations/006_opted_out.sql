-- 006: collectors can record that the consumer asked not to be contacted at one phone number,
-- email or address (`opted_out`; Reg F 1006.14(h), 1006.6(e); TCPA consent revoked). The next
-- run suppresses that contact for the account (rule outcome_opted_out) and the push marks it not
-- callable at once (sql/push/pg/guard_outcomes.sql). Until this version the only way to stop
-- calling one number was the account-level do-not-call flag in the next account export.
ALTER TABLE contact_outcomes DROP CONSTRAINT IF EXISTS contact_outcomes_outcome_check;
ALTER TABLE contact_outcomes ADD CONSTRAINT contact_outcomes_outcome_check CHECK (outcome IN (
    'right_party', 'wrong_number', 'disconnected', 'no_answer', 'returned_mail', 'moved',
    'deceased_confirmed', 'cease_and_desist', 'dispute', 'attorney', 'opted_out'));
