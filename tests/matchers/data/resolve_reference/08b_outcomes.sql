-- What collectors' outcomes change in the run's contact points (rs_final, before the write):
--   * right-party contact (latest outcome for that account and contact): the contact is
--     confirmed, confidence at least rs_outcome_confirmed;
--   * wrong number / disconnected / returned mail / moved for that account: confidence scaled
--     by rs_outcome_bad_factor (the suppression rules then take it out of use, with the reason);
--   * the same contact reported bad on ANOTHER account (a shared household number or
--     address, and not confirmed here): confidence scaled by rs_outcome_household_factor;
-- then ranks are recomputed as 08 computes them, a contact reported bad after every other. Reasons say which outcome moved the contact.
CREATE OR REPLACE TEMP TABLE rs_outcome_household AS
SELECT contact_type, contact_key, list(DISTINCT account_id) AS accounts,
       max(outcome_date) AS outcome_date
FROM rs_outcome_last
WHERE outcome IN ('wrong_number', 'disconnected', 'returned_mail', 'moved')
GROUP BY contact_type, contact_key;

CREATE OR REPLACE TEMP TABLE rs_final AS
WITH joined AS (
    SELECT f.*,
           o.outcome AS o_outcome, o.outcome_date AS o_date, o.agent AS o_agent,
           h.outcome_date AS h_date
    FROM rs_final f
    LEFT JOIN rs_outcome_last o
           ON o.account_id = f.account_id AND o.contact_type = f.contact_type
          AND o.contact_key = f.contact_key
    LEFT JOIN rs_outcome_household h
           ON h.contact_type = f.contact_type AND h.contact_key = f.contact_key
          AND NOT list_contains(h.accounts, f.account_id)
),
adjusted AS (
    SELECT * EXCLUDE (o_date, o_agent, h_date) REPLACE (
        CASE WHEN role = 'debtor' AND o_outcome = 'right_party'
                 THEN greatest(confidence, CAST($outcome_confirmed AS DOUBLE))
             WHEN o_outcome IN ('wrong_number', 'disconnected', 'returned_mail', 'moved')
                 THEN round(confidence * CAST($outcome_bad_factor AS DOUBLE), 4)
             WHEN h_date IS NOT NULL
                 THEN round(confidence * CAST($outcome_household_factor AS DOUBLE), 4)
             ELSE confidence END AS confidence,
        CASE WHEN role = 'debtor' AND o_outcome = 'right_party' THEN 'confirmed'
             ELSE status END AS status,
        concat_ws('; ',
            CASE WHEN o_outcome IS NOT NULL AND o_outcome <> 'no_answer'
                 THEN 'collector outcome ' || replace(o_outcome, '_', ' ') || ' on '
                      || strftime(o_date, '%Y-%m-%d') || coalesce(' (agent ' || o_agent || ')', '') END,
            CASE WHEN h_date IS NOT NULL AND o_outcome IS NULL
                 THEN 'reported bad on another account of the household on '
                      || strftime(h_date, '%Y-%m-%d') END,
            reasons) AS reasons
    )
    FROM joined
)
SELECT * EXCLUDE (o_outcome) REPLACE (
    CAST(row_number() OVER (
        PARTITION BY account_id, contact_type, role
        ORDER BY placeholder,
                 coalesce(o_outcome IN ('wrong_number', 'disconnected', 'returned_mail', 'moved'), false),
                 -- an address that cannot be mailed stays after the complete ones (08_finalize)
                 rs_unmailable(contact_type, street_number, street_name, std_line1),
                 rs_undialable(contact_type, valid),
                 confidence DESC, last_seen DESC NULLS LAST, n_sources DESC, n_records DESC,
                 contact_key) AS INTEGER) AS rank)
FROM adjusted;
