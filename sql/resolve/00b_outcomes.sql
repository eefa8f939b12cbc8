-- Collectors' outcomes as of the run (contact_outcomes, pulled or loaded before resolve), and
-- what they teach about each source.
--
-- rs_outcome_last: the latest outcome per account and contact up to as_of, as
-- sql/outcomes/latest.sql defines it for resolve and suppress alike.
CREATE OR REPLACE TEMP TABLE rs_outcome_last AS
SELECT * FROM latest_contact_outcomes($as_of);

-- Per source, the verdicts on contacts it supported in the previous completed run: a good one
-- (right party) is a hit, a bad one (wrong number / disconnected / returned mail / moved) a miss
-- (sql/outcomes/vocabulary.sql; no answer says nothing). Reliability is the beta-posterior mean
-- with the registry's value as prior mean and rs_outcome_strength pseudo-outcomes as its
-- weight: a handful of outcomes moves it a little, hundreds move it to the observed rate.
CREATE OR REPLACE TEMP TABLE rs_source_reliability AS
WITH priors AS (
    SELECT source, arg_max(reliability, file_no) AS prior
    FROM input_files
    WHERE kind <> 'accounts' AND reliability IS NOT NULL
    GROUP BY source
),
prev AS (
    SELECT max(run_id) AS run_id FROM runs
    WHERE status = 'completed' AND run_id < $run_id
),
supported AS (
    -- only the contacts an outcome judges: the DISTINCT over every support row of the previous
    -- run (9.2M at 1M accounts) took 0.9 s whether or not any outcome had come back
    SELECT DISTINCT cs.account_id, cs.contact_type, cs.contact_key, cs.source
    FROM contact_support cs JOIN prev ON cs.run_id = prev.run_id
    SEMI JOIN rs_outcome_last o
      ON o.account_id = cs.account_id AND o.contact_type = cs.contact_type
     AND o.contact_key = cs.contact_key
     AND list_contains(verdict_outcomes(), o.outcome)
    WHERE cs.rec_id IS NOT NULL AND cs.role = 'debtor'
),
judged AS (
    SELECT s.source, list_contains(good_verdicts(), o.outcome) AS hit
    FROM rs_outcome_last o
    JOIN supported s USING (account_id, contact_type, contact_key)
    WHERE list_contains(verdict_outcomes(), o.outcome)
)
SELECT p.source, p.prior,
       CAST($outcome_strength AS DOUBLE) AS strength,
       count(j.hit) AS outcomes,
       count(*) FILTER (WHERE j.hit) AS hits,
       (count(*) FILTER (WHERE j.hit) + CAST($outcome_strength AS DOUBLE) * p.prior)
           / (count(j.hit) + CAST($outcome_strength AS DOUBLE)) AS reliability
FROM priors p LEFT JOIN judged j USING (source)
GROUP BY p.source, p.prior;

DELETE FROM source_reliability WHERE run_id = $run_id;
INSERT INTO source_reliability BY NAME
SELECT $run_id AS run_id, source, prior, strength, outcomes, hits, reliability
FROM rs_source_reliability;
