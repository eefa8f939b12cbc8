-- The contact subject of contact-scope rules (sp_contact): every contact point of the run with
-- its account's subject columns, where the consumer is (for calling windows and state rules)
-- and the latest outcome collectors recorded for the point up to as_of: `outcome`,
-- `outcome_date`, `outcome_agent` (NULL when none), and whether the consumer opted out of it:
-- `opted_out`, `opted_out_date`. One statement: building the table and
-- then copying it again to add the outcomes cost 4 s more at 5.3M points.
-- `rid` is the point's rowid in contact_points: the rules' hits carry it (sp_hits), and
-- apply_effects.sql updates by it, all in apply_suppressions' one transaction.
CREATE OR REPLACE TEMP TABLE sp_contact AS
WITH consumer AS (
    -- where the consumer is: the best-ranked debtor address the consumer is not known to have
    -- left, else the state on file; the rule resolve's calling-window zone follows
    -- (08_finalize.sql): not an address the consumer left by USPS or by collectors' latest
    -- verdict (returned mail, moved), here on the final rank (after collectors' outcomes). Skipping addresses that are only on file took the state of a 0.005
    -- address when the on-file one ranked first, and missed Massachusetts consumers. Its own
    -- scan of the debtor addresses: sharing the points' CTE below would make DuckDB keep a
    -- copy of every point of the run
    SELECT account_id, first(state ORDER BY rank) AS state
    FROM (SELECT account_id, contact_key, state, rank,
                 json_extract_string(factors, ['$.moved_from', '$.ncoa_no_forward']) AS left_facts
          FROM contact_points
          WHERE run_id = $run_id AND role = 'debtor' AND contact_type = 'address'
            AND state IS NOT NULL) a
    WHERE NOT coalesce(CAST(left_facts[1] AS BOOLEAN), false)
      AND NOT coalesce(CAST(left_facts[2] AS BOOLEAN), false)
      AND NOT EXISTS (SELECT 1 FROM latest_contact_outcomes($as_of) v
                      WHERE v.account_id = a.account_id AND v.contact_type = 'address'
                        AND v.contact_key = a.contact_key
                        AND list_contains(address_bad_verdicts(), v.outcome))
    GROUP BY account_id
), o AS (
    -- the latest report per contact, as resolve reads it (sql/outcomes/latest.sql)
    SELECT * FROM latest_contact_outcomes($as_of)
), opt AS (
    -- the consumer asked not to be contacted at this phone, email or address (Reg F
    -- 1006.14(h), 1006.6(e); TCPA consent revoked): not a verdict on whether the contact
    -- reaches the consumer, so no later right party or no answer lifts it; any such report the
    -- run knows counts (outcomes_known, sql/outcomes/latest.sql: an undated one from the as-of
    -- date of the run that stored it, as the account facts)
    SELECT o.account_id, o.contact_type, o.contact_key, max(o.outcome_date) AS opted_out_date
    FROM outcomes_known($as_of) o
    WHERE list_contains(opt_out_outcomes(), o.outcome) AND o.contact_key IS NOT NULL
    GROUP BY ALL
)
SELECT s.*,
       cp.rid,
       cp.contact_type, cp.contact_key, cp.role, cp.rank, cp.confidence,
       coalesce(cp.resolved_status, cp.status) AS status,
       cp.phone_type AS line_type, cp.consent_autodialer, cp.state, cp.zip,
       cp.time_zone, cp.tz_area_code, coalesce(cp.tz_conflict, false) AS tz_conflict, cp.tz_zones,
       coalesce(CAST(cp.facts[1] AS BOOLEAN), false) AS on_file,
       coalesce(CAST(cp.facts[2] AS BOOLEAN), false) AS moved_from,
       coalesce(CAST(cp.facts[3] AS BOOLEAN), false) AS ncoa_no_forward,
       coalesce(c.state, s.file_state) AS consumer_state,
       o.outcome, o.outcome_date, o.agent AS outcome_agent,
       opt.account_id IS NOT NULL AS opted_out, opt.opted_out_date
FROM (
    -- the three facts the rules read from `factors`, with one parse of the JSON per point
    -- (three json_extract calls parsed it three times: 3.3 s against 1.6 s at 5.3M points)
    SELECT *, rowid AS rid,
           json_extract_string(factors, ['$.on_file', '$.moved_from', '$.ncoa_no_forward']) AS facts
    FROM contact_points
    WHERE run_id = $run_id
) cp
JOIN sp_account s ON s.account_id = cp.account_id
LEFT JOIN consumer c ON c.account_id = cp.account_id
LEFT JOIN o ON o.account_id = cp.account_id AND o.contact_type = cp.contact_type
           AND o.contact_key = cp.contact_key
LEFT JOIN opt ON opt.account_id = cp.account_id AND opt.contact_type = cp.contact_type
             AND opt.contact_key = cp.contact_key;
