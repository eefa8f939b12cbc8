-- The accounts whose own dwelling is shared by many debtors (matchers/guards.py, `crowded`):
-- the evidence the household rules need to stop reading that dwelling as one household.
-- A dwelling (street address and unit, or no unit: compare.sql's `same_unit`) on the accounts
-- of more than $max_persons distinct debtors (MatchSettings.household_max_persons) is a group
-- quarters (a college dormitory, a nursing home, a prison, a shelter) or an address a source
-- fills in for many people, not one family's home: a pseudopeople portfolio put 57-74
-- accounts at each of 6 such addresses, no unit (the next most crowded address had 5 debtors),
-- and made some 250 of their residents household members of each other's accounts; an audit
-- case keyed a creditor's office, 1200 SMITH ST STE 1600, on 150 accounts and 5% of the
-- bureau's rows, and made 180 strangers there household members. Distinct debtors are the
-- distinct (nickname-canonical given name, surname) of the accounts, so one person placed by
-- several creditors counts once. The unit is part of the dwelling: an apartment's neighbours
-- in other units are held apart by the unit already ('shared_building_only'), each unit is
-- counted on its own (a building of many apartments is not crowded), and the accounts without
-- a unit at an address are counted apart from those in its units. Until the unit was counted,
-- only an address with no unit could be crowded, and an office suite keyed on every account of
-- a vendor's or a creditor's file was a household of 150.
-- crowded = 1: the account's surname is rare enough to say family there; 2: among the
-- dwelling's debtors one bearer of the account's surname is to expect by chance, the expected
-- number (the debtors there times the surname's share of the run's names, _tf_last_name)
-- reaching $surname_chance (MatchSettings.crowded_surname_chance): a shared surname in that
-- dormitory is no sign of a relative (SMITH, PEREZ, WILLIAMS among 70 residents).
-- The place is the ZIP or the city and state, each counted on its own (compare.sql's "same
-- place" reads either; some portfolios carry no ZIP, some a city spelled several ways).
-- Set-based over _ml (sides.sql), before scoring: the other debtors are other accounts, and the
-- scoring chunks split on the record.
CREATE OR REPLACE TEMP TABLE _crowded_dwelling AS
WITH dwelling AS (
    SELECT id AS account_id, street_number, street_name, place, last_std,
           -- '' for no unit: a key the join can match (unit_key never returns '')
           coalesce(unit_number, '') AS unit,
           -- one debtor, as shared_contacts.sql and resolution's placeholder rule tell them
           -- apart (an account without a surname is its own)
           coalesce(last_std || '|' || coalesce(first_canon, first_std, ''), '#' || id) AS debtor
    FROM _ml,
         unnest([zip5, city || '|' || coalesce(state, '')]) AS t(place)
    WHERE street_number IS NOT NULL AND street_name IS NOT NULL
      AND place IS NOT NULL
), busy AS (
    -- a dwelling of more debtors has more accounts: the plain count first, the distinct debtors
    -- of the few dwellings it leaves after
    SELECT street_number, street_name, unit, place
    FROM dwelling
    GROUP BY ALL
    HAVING count(*) > $max_persons
), crowded AS (
    SELECT street_number, street_name, unit, place, count(DISTINCT debtor) AS debtors
    FROM dwelling SEMI JOIN busy USING (street_number, street_name, unit, place)
    GROUP BY ALL
    HAVING count(DISTINCT debtor) > $max_persons
)
SELECT d.account_id,
       max(CASE WHEN c.debtors * coalesce(tf.freq, 0) >= $surname_chance THEN 2 ELSE 1 END)::TINYINT
           AS crowded
FROM dwelling d
JOIN crowded c USING (street_number, street_name, unit, place)
LEFT JOIN _tf_last_name tf ON tf.value = d.last_std
GROUP BY d.account_id;
