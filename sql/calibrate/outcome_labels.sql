-- Labels from collectors' outcomes for a run's emitted debtor contact points: the first verdict
-- collectors recorded on the account's contact after the run (outcome_date > $as_of, the last
-- date the run itself could read: sql/outcomes/latest.sql) and up to $until (the next
-- completed run's as_of, which reads what is dated up to it; NULL: any later date).
--
-- A verdict says whether the contact reached the account holder (the lists: good_verdicts(),
-- phone_bad_verdicts(), address_bad_verdicts() of sql/outcomes/vocabulary.sql):
--   right_party                      -> correct (phone or address)
--   wrong_number, disconnected       -> not correct, phones only
--   returned_mail, moved             -> not correct, addresses only
-- no_answer says nothing; cease_and_desist, attorney, dispute and deceased_confirmed are facts
-- about the account, not about the contact; a verdict of the other contact type's vocabulary
-- (a wrong number reported against an address) is not one. Emails get no labels: no outcome
-- says an email failed to reach the holder, so their labels would all be right party.
-- "First": the earliest date, then within it the order sql/outcomes/latest.sql defines for the
-- latest (contact_verdicts: the time of day when every verdict of the day has one, then the
-- earlier load, then the earlier row where it came from). Needs that file and
-- sql/outcomes/vocabulary.sql run first. The first verdict is the
-- one about the run's list as collectors met it; a later one may follow a change the list did
-- not know of (a move after a right-party contact).
-- Points: contact_points of $run_id, role debtor, not suppressed (what contacts.csv held).
-- outcome_confirmed: the run itself applied a right-party verdict to the point, which set its
-- confidence to at least 0.95 (resolve/08b_outcomes.sql), which the model's inputs do not show:
-- the check keeps such a point (it is what collectors were given), a refit's export leaves it
-- out. Read from the point, not re-derived from contact_outcomes: 08b writes the reason
-- 'collector outcome right party on <date>' exactly when it applied one (resolved_reasons:
-- as resolve wrote them, before any suppression rule). A verdict dated on or before $as_of but
-- loaded after the run was never read by it and boosted nothing: re-deriving "earlier" from
-- outcome dates dropped such points from the export.
WITH verdicts AS (
    SELECT account_id, contact_type, contact_key, outcome, outcome_date, day_time, loaded_at,
           origin_seq
    FROM contact_verdicts()
    WHERE outcome_date > $as_of
      AND ($until IS NULL OR outcome_date <= $until)
      AND (   (list_contains(good_verdicts(), outcome) AND contact_type IN ('phone', 'address'))
           OR (list_contains(phone_bad_verdicts(), outcome) AND contact_type = 'phone')
           OR (list_contains(address_bad_verdicts(), outcome) AND contact_type = 'address'))
),
first_verdict AS (
    SELECT account_id, contact_type, contact_key,
           arg_min(outcome, (outcome_date, day_time, loaded_at, origin_seq)) AS outcome,
           min(outcome_date) AS outcome_date
    FROM verdicts
    GROUP BY account_id, contact_type, contact_key
),
points AS (
    SELECT account_id, contact_type, contact_key,
           bool_or(coalesce(coalesce(resolved_reasons, reasons)
                            LIKE '%collector outcome right party on %', false)) AS outcome_confirmed
    FROM contact_points
    WHERE run_id = $run_id AND role = 'debtor' AND status <> 'suppressed'
    GROUP BY account_id, contact_type, contact_key
)
SELECT f.account_id, f.contact_type, f.contact_key, f.outcome, f.outcome_date,
       list_contains(good_verdicts(), f.outcome) AS correct, p.outcome_confirmed
FROM first_verdict f
JOIN points p
  ON p.account_id = f.account_id AND p.contact_type = f.contact_type
 AND p.contact_key = f.contact_key
ORDER BY f.account_id, f.contact_type, f.contact_key;
