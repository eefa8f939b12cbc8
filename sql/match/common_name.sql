-- The accounts whose full name is very common among the run's records (matchers/guards.py,
-- `common_name`): the evidence the guard 'common_name_dob_only' needs.
-- Fellegi-Sunter prices a DOB agreement for a random pair (some 15 bits). A pair that agrees on
-- the name is no random pair: it is one of the name's bearers, and among the 812 people of
-- JOSE GARCIA on an audit portfolio one account in 17 is to expect a stranger born its day.
-- The term-frequency adjustments price each name part on its own, and given names and
-- surnames are not independent (JOSE and GARCIA go together), so the name's own weight is
-- overstated too.
-- How common is too common: the expected number of the name's other bearers who share a given
-- date of birth by chance, i.e. the number of people of the name times the chance that two
-- people of the run share a date. People are the distinct (given name, surname, date of birth)
-- of the records: a person's several records carry one date, and a record without a date
-- cannot share one. Two bearers of one name born the same day are one such "person" (nothing
-- here tells them from one person's two records), so the chance is measured on pairs of people
-- of different names: the share of them born the same day, sum c(c-1) over the dates (c people
-- each; two of one name never share a date here) over N^2 - sum n^2 (N people, n of each
-- name). The dates of the run as they are (a cohort, a default date keyed for many), not the
-- model's u, which EM can leave far too low on a small file whose people rarely share a date. An account is listed when the
-- expected number reaches $chance (MatchSettings.common_name_dob_chance), for its own full name:
-- surname and nickname-canonical given name (JOE and JOSEPH are one name), as the guard's name
-- agreement reads them.
-- Set-based over _ml and _mr (sides.sql), before scoring: the bearers are other records, and the
-- scoring chunks split on the record.
CREATE OR REPLACE TEMP TABLE _common_name AS
WITH people AS (
    SELECT DISTINCT coalesce(first_canon, first_std) AS given, last_std, dob
    FROM _mr
    WHERE dob IS NOT NULL AND last_std IS NOT NULL AND coalesce(first_canon, first_std) IS NOT NULL
), per_date AS (
    SELECT count(*)::DOUBLE AS c FROM people GROUP BY dob
), bearers AS (
    SELECT given, last_std, count(*) AS people FROM people GROUP BY ALL
), chance AS (
    SELECT (SELECT sum(c * (c - 1)) FROM per_date)
           / nullif(sum(people::DOUBLE) ^ 2 - sum(people::DOUBLE ^ 2), 0) AS shared
    FROM bearers
)
SELECT l.id AS account_id, b.people, b.people * ch.shared AS expected
FROM _ml l
JOIN bearers b ON b.given = coalesce(l.first_canon, l.first_std) AND b.last_std = l.last_std
CROSS JOIN chance ch
WHERE b.people * ch.shared >= $chance;
