-- What collectors' outcomes change in the run's contact points (rs_final, before the write):
--   * right-party contact (latest outcome for that account and contact): the contact is
--     confirmed, confidence at least rs_outcome_confirmed;
--   * wrong number / disconnected / returned mail / moved for that account: confidence scaled
--     by rs_outcome_bad_factor (the suppression rules then take it out of use, with the reason);
--   * the same contact reported bad on ANOTHER account (a shared household number or
--     address, and not confirmed here): confidence scaled by rs_outcome_household_factor;
-- then ranks are recomputed as 08 computes them, a contact reported bad after every other. Reasons say which outcome moved the contact.
-- Good and bad verdicts: good_verdicts() and bad_verdicts() (sql/outcomes/vocabulary.sql).
CREATE OR REPLACE TEMP TABLE rs_outcome_household AS
SELECT contact_type, contact_key, list(DISTINCT account_id) AS accounts,
       max(outcome_date) AS outcome_date
FROM rs_outcome_last
WHERE list_contains(bad_verdicts(), outcome)
GROUP BY contact_type, contact_key;

-- Only the (account, contact type, role) groups holding a contact with an outcome can change:
-- every other row keeps 08's confidence, status and reasons, and its rank too (08 ranks with the
-- same order, and the outcome term below is false for every row of such a group). So the
-- adjusted rows and their groups' new ranks are computed on those groups alone and written
-- back into rs_final in place, instead of copying every contact point of the run once more
-- (5M wide rows at 1M accounts, for the few thousand with an outcome).
CREATE OR REPLACE TEMP TABLE rs_outcome_hit AS
SELECT f.rowid AS pid, f.account_id, f.contact_type, f.role,
       o.outcome AS o_outcome, o.outcome_date AS o_date, o.agent AS o_agent,
       h.outcome_date AS h_date
FROM rs_final f
LEFT JOIN rs_outcome_last o
       ON o.account_id = f.account_id AND o.contact_type = f.contact_type
      AND o.contact_key = f.contact_key
LEFT JOIN rs_outcome_household h
       ON h.contact_type = f.contact_type AND h.contact_key = f.contact_key
      AND NOT list_contains(h.accounts, f.account_id)
WHERE o.outcome IS NOT NULL OR h.outcome_date IS NOT NULL;

CREATE OR REPLACE TEMP TABLE rs_outcome_rerank AS
WITH joined AS (
    SELECT f.rowid AS pid, f.account_id, f.contact_type, f.role, f.confidence, f.status, f.reasons,
           f.street_number, f.street_name, f.std_line1, f.last_seen, f.n_sources, f.n_records,
           f.contact_key, f.valid, f.placeholder, f.unit_point_key, f.crowded_elsewhere,
           f.crowded_debtors, f.crowded_judged, f.crowded_placed,
           h.o_outcome, h.o_date, h.o_agent, h.h_date
    FROM rs_final f
    SEMI JOIN (SELECT DISTINCT account_id, contact_type, role FROM rs_outcome_hit) g
           ON g.account_id = f.account_id AND g.contact_type = f.contact_type AND g.role = f.role
    LEFT JOIN rs_outcome_hit h ON h.pid = f.rowid
),
adjusted AS (
    SELECT * EXCLUDE (o_date, o_agent, h_date) REPLACE (
        CASE WHEN role = 'debtor' AND list_contains(good_verdicts(), o_outcome)
                 THEN greatest(confidence, CAST($outcome_confirmed AS DOUBLE))
             WHEN list_contains(bad_verdicts(), o_outcome)
                 THEN round(confidence * CAST($outcome_bad_factor AS DOUBLE), 4)
             WHEN h_date IS NOT NULL
                 THEN round(confidence * CAST($outcome_household_factor AS DOUBLE), 4)
             ELSE confidence END AS confidence,
        CASE WHEN role = 'debtor' AND list_contains(good_verdicts(), o_outcome) THEN 'confirmed'
             ELSE status END AS status,
        concat_ws('; ',
            CASE WHEN list_contains(verdict_outcomes(), o_outcome)
                 THEN 'collector outcome ' || replace(o_outcome, '_', ' ') || ' on '
                      || strftime(o_date, '%Y-%m-%d') || coalesce(' (agent ' || o_agent || ')', '') END,
            CASE WHEN h_date IS NOT NULL AND o_outcome IS NULL
                 THEN 'reported bad on another account of the household on '
                      || strftime(h_date, '%Y-%m-%d') END,
            -- an address of many debtors who mostly live elsewhere where a collector reached
            -- this one: 08's demotion (ranked last, capped) is lifted below and its reason
            -- says so (06 already took it as a residence of the account)
            CASE WHEN crowded_elsewhere AND list_contains(good_verdicts(), o_outcome)
                 THEN replace(reasons,
                              rs_crowded_reason(crowded_debtors, crowded_judged, crowded_placed, false),
                              rs_crowded_reason(crowded_debtors, crowded_judged, crowded_placed, true))
                 ELSE reasons END) AS reasons
    )
    FROM joined
),
-- a building reported without its apartment ranks right after the unit's point, as in 08,
-- unless collectors reported that unit bad or its confidence fell below the floor
after AS (
    SELECT a.*,
           coalesce(u.confidence < a.confidence
                    AND u.confidence >= CAST($unit_follow_floor AS DOUBLE)
                    AND NOT coalesce(list_contains(bad_verdicts(), u.o_outcome), false),
                    false) AS after_unit
    FROM adjusted a
    LEFT JOIN adjusted u
           ON a.unit_point_key IS NOT NULL AND u.account_id = a.account_id AND u.role = a.role
          AND u.contact_type = a.contact_type AND u.contact_key = a.unit_point_key
),
ranked AS (
    SELECT a.*, CASE WHEN a.after_unit THEN u.confidence ELSE a.confidence END AS rank_conf
    FROM after a
    LEFT JOIN adjusted u
           ON a.after_unit AND u.account_id = a.account_id AND u.role = a.role
          AND u.contact_type = a.contact_type AND u.contact_key = a.unit_point_key
)
SELECT pid, confidence, status, reasons,
       CAST(row_number() OVER (
           PARTITION BY account_id, contact_type, role
           ORDER BY placeholder,  -- withheld (08c), after every other point as in 08
                    coalesce(list_contains(bad_verdicts(), o_outcome), false),
                    -- an address that cannot be mailed stays after the complete ones (08_finalize)
                    rs_unmailable(contact_type, street_number, street_name, std_line1),
                    rs_undialable(contact_type, valid),
                    -- an address most of whose many debtors live elsewhere, after the others
                    -- (08), unless a collector reached the debtor there
                    crowded_elsewhere AND NOT coalesce(list_contains(good_verdicts(), o_outcome), false),
                    rank_conf DESC, after_unit, last_seen DESC NULLS LAST, n_sources DESC, n_records DESC,
                    contact_key) AS INTEGER) AS rank
FROM ranked;

UPDATE rs_final
SET confidence = a.confidence, status = a.status, reasons = a.reasons, rank = a.rank
FROM rs_outcome_rerank a
WHERE rs_final.rowid = a.pid;
