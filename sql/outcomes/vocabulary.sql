-- The outcome vocabulary: every outcome collectors report (a disposition of the collections
-- system, the CHECK of PostgreSQL's contact_outcomes) and what kind of report each one is,
-- declared here once. Every reader takes its list from these macros: the SQL of the runs (run
-- this file first), the push's check at push time (given the lists, sql/push/pg/
-- guard_outcomes.sql), and Python (sources/outcomes.py outcome_lists: the names ingest
-- accepts, the account facts explain shows). Spelt by hand in each reader, the lists drifted
-- apart: a new bad verdict added to one list only would have suppressed a number without
-- lowering it in resolve, or left it callable at push time (tests/test_outcome_vocabulary.py
-- checks that no other SQL file spells an outcome name).
--
-- Verdicts: whether the contact reaches the account holder. The latest one on a contact decides
-- (sql/outcomes/latest.sql); calibration labels a run's contacts with the first one after it.
--   good: right_party, the best confirmation a contact can get;
--   bad on a phone: wrong_number, disconnected (rule outcome_wrong_number);
--   bad on an address: returned_mail, moved (rule outcome_returned_mail; the consumer left it).
-- (A bad verdict of the other contact type's vocabulary still lowers the contact in resolve,
-- 08b_outcomes.sql; the rules and calibration read each type's own.)
CREATE OR REPLACE TEMP MACRO good_verdicts() AS ['right_party'];
CREATE OR REPLACE TEMP MACRO phone_bad_verdicts() AS ['wrong_number', 'disconnected'];
CREATE OR REPLACE TEMP MACRO address_bad_verdicts() AS ['returned_mail', 'moved'];
CREATE OR REPLACE TEMP MACRO bad_verdicts() AS
    list_concat(phone_bad_verdicts(), address_bad_verdicts());
CREATE OR REPLACE TEMP MACRO verdict_outcomes() AS list_concat(good_verdicts(), bad_verdicts());

-- Says nothing about the contact or the account: never replaces a verdict.
CREATE OR REPLACE TEMP MACRO silent_outcomes() AS ['no_answer'];

-- Facts about the account, not the contact it was recorded against (suppress/
-- outcomes_account.sql gives each its own column of the rules' account subject; stored without a
-- readable date, they count from the storing run's as-of date). Those after which the consumer
-- is no longer contacted directly (cease-and-desist: suppress; attorney: route to the attorney;
-- confirmed death: route to the estate) and those that hold collection (a dispute, until the
-- verification is sent), as the shipped rules act on them. What a run does with a fact is its
-- rules file's to say: the push's check at push time reads that from the rules the run applied
-- (matchers/suppress.py outcome_fact_effects), not from these two lists.
CREATE OR REPLACE TEMP MACRO ending_account_facts() AS
    ['deceased_confirmed', 'cease_and_desist', 'attorney'];
CREATE OR REPLACE TEMP MACRO holding_account_facts() AS ['dispute'];
CREATE OR REPLACE TEMP MACRO account_fact_outcomes() AS
    list_concat(ending_account_facts(), holding_account_facts());

-- The consumer asked not to be contacted at this phone, email or address: a request, not a
-- verdict, so no later report lifts it (rule outcome_opted_out).
CREATE OR REPLACE TEMP MACRO opt_out_outcomes() AS ['opted_out'];

-- Every outcome ingest stores (sources/outcomes.py; any other name is reported, not stored).
CREATE OR REPLACE TEMP MACRO known_outcomes() AS
    list_concat(verdict_outcomes(), silent_outcomes(), account_fact_outcomes(),
                opt_out_outcomes());
