-- Outcomes the platform holds at push time, including those recorded after this run read them
-- (during the run, or by a run that did not pull): a staged contact whose latest verdict is
-- bad, or that the consumer opted out of, is staged as not callable (the outcome in
-- suppression_reason); so is one of an account with an account fact on record that the run's
-- rules end contact for (cease-and-desist, attorney, confirmed death under the shipped rules),
-- and one of an account with a fact they hold it for (a dispute: FDCPA 1692g(b), Reg F
-- 1006.38, collection stops until the verification is sent) is staged on hold. Applied to the
-- staging table before the upsert, so a second push of the run still changes nothing.
-- The contact is normalized as skiptrace normalizes outcomes (sql/outcomes/store.sql): E.164
-- for a phone, lowercased email, else the pushed address key.
-- The outcome lists are the runs' (sql/outcomes/vocabulary.sql, given by the push):
-- $verdict_outcomes, the outcomes that say whether the contact reaches the consumer,
-- $bad_verdicts, those that say it does not, and $opt_out_outcomes. A contact's latest outcome
-- is its latest verdict, as sql/outcomes/latest.sql takes it for the runs: a no-answer, or an
-- account fact recorded against the number, after a wrong number does not make the number
-- callable again. A consumer's opt-out of the contact is not a verdict: any on record makes it
-- not callable (with a bad verdict too, both reasons, in one order, so a second push changes
-- nothing).
-- The account facts are the rules' the run applied (matchers/suppress.py outcome_fact_effects,
-- given by the push as pairs of parallel arrays): the contact types each fact ends contact on,
-- $ending_account_facts[i] on $ending_contact_types[i] (a suppressing rule, or do_not_mail on
-- an address), and those it holds, $holding_account_facts[i] on $holding_contact_types[i],
-- in the words of the rules that hold it, $holding_reasons[i] (the hold reason the next run
-- writes). A rules file that routes attorney to a hold holds; one without a rule on disputes
-- holds none.
WITH typed AS (
    SELECT account_id, outcome, outcome_date, outcome_id,
           regexp_replace(contact, '[^0-9]', '', 'g') AS d, contact,
           coalesce(contact_type,
                    CASE WHEN contact LIKE '%@%' THEN 'email'
                         WHEN trim(contact) ~ '^[0-9 ()+.-]{7,}$' THEN 'phone'
                         ELSE 'address' END) AS ctype
    FROM contact_outcomes
),
keyed AS (
    SELECT account_id, outcome, outcome_date, outcome_id, ctype,
           CASE ctype
               WHEN 'phone' THEN CASE WHEN length(d) = 10 THEN '+1' || d
                                      WHEN length(d) = 11 AND d LIKE '1%' THEN '+' || d END
               WHEN 'email' THEN lower(trim(contact))
               ELSE upper(trim(contact))
           END AS contact_key
    FROM typed
),
latest AS (
    SELECT DISTINCT ON (account_id, ctype, contact_key) account_id, ctype, contact_key, outcome,
           outcome_date
    FROM keyed
    WHERE outcome = ANY($verdict_outcomes)
    ORDER BY account_id, ctype, contact_key, outcome_date DESC, outcome_id DESC
),
bad_each AS (
    SELECT account_id, ctype, contact_key,
           'collector outcome ' || replace(outcome, '_', ' ') || ' on ' || outcome_date AS why
    FROM latest
    WHERE outcome = ANY($bad_verdicts)
    UNION ALL
    -- the consumer asked not to be contacted there: not a verdict, so whatever came after
    (SELECT DISTINCT ON (account_id, ctype, contact_key) account_id, ctype, contact_key,
            'consumer opted out of this contact on ' || outcome_date AS why
     FROM keyed
     WHERE outcome = ANY($opt_out_outcomes)
     ORDER BY account_id, ctype, contact_key, outcome_date DESC, outcome_id DESC)
),
bad AS (
    SELECT account_id, ctype, contact_key, string_agg(why, '; ' ORDER BY why) AS why
    FROM bad_each
    GROUP BY account_id, ctype, contact_key
),
-- the account's latest fact that ends contact of each type, its name and date from the same
-- row (a later outcome_id wins a tie on the date: the one recorded later)
account_bad AS (
    SELECT DISTINCT ON (k.account_id, e.applies_to) k.account_id, e.applies_to,
           'collector outcome ' || replace(k.outcome, '_', ' ') || ' on ' || k.outcome_date AS why
    FROM keyed k
    JOIN unnest(CAST($ending_account_facts AS text[]), CAST($ending_contact_types AS text[]))
             AS e(fact, applies_to)
      ON e.fact = k.outcome
    ORDER BY k.account_id, e.applies_to, k.outcome_date DESC, k.outcome_id DESC
),
-- the account's latest fact that holds contact of each type (a hold rule acts on an account
-- with any such fact on record)
account_held AS (
    SELECT DISTINCT ON (k.account_id, e.applies_to) k.account_id, e.applies_to,
           'collector outcome ' || replace(k.outcome, '_', ' ') || ' on ' || k.outcome_date
           || ' (platform record at push time): ' || e.rule_reason AS why
    FROM keyed k
    JOIN unnest(CAST($holding_account_facts AS text[]), CAST($holding_contact_types AS text[]),
                CAST($holding_reasons AS text[])) AS e(fact, applies_to, rule_reason)
      ON e.fact = k.outcome
    ORDER BY k.account_id, e.applies_to, k.outcome_date DESC, k.outcome_id DESC
),
flagged AS (
    SELECT x.ctid AS row_id, coalesce(b.why, a.why) AS why, h.why AS held
    FROM st_contacts x
    LEFT JOIN bad b
           ON b.account_id = x.account_id AND b.ctype = x.contact_type
          AND b.contact_key = x.contact_key
    LEFT JOIN account_bad a
           ON a.account_id = x.account_id AND a.applies_to = x.contact_type
    LEFT JOIN account_held h
           ON h.account_id = x.account_id AND h.applies_to = x.contact_type
    WHERE x.callable
      AND (b.account_id IS NOT NULL OR a.account_id IS NOT NULL OR h.account_id IS NOT NULL)
)
UPDATE st_contacts s
SET callable = false,
    suppression_reason = CASE WHEN f.why IS NULL THEN s.suppression_reason
                              ELSE concat_ws('; ', s.suppression_reason,
                                             f.why || ' (platform record at push time)') END,
    on_hold = s.on_hold OR f.held IS NOT NULL,
    hold_reason = CASE WHEN f.held IS NULL THEN s.hold_reason
                       ELSE concat_ws('; ', s.hold_reason, f.held) END
FROM flagged f
WHERE s.ctid = f.row_id;
