-- bench/push.py: $contacts synthetic contact points of run $run_id, three per account (phone,
-- address, email), shaped like resolve's output: ~4% suppressed, ~3% on hold, third parties
-- every 50th phone, account flags and suppression decisions to match. Hash-based values: the
-- same arguments give the same rows. $changed_every > 0 changes the confidence of every n-th row
-- (a second night's run).
INSERT INTO runs (run_id, as_of, status, code_version)
VALUES ($run_id, DATE '2026-11-01', 'completed', 'bench');

INSERT INTO contact_points BY NAME
WITH n AS (SELECT range AS i FROM range($contacts)),
r AS (
    SELECT i, i // 3 AS a, i % 3 AS t, hash(i) AS h FROM n
)
SELECT $run_id AS run_id,
       'AC' || lpad(CAST(a AS VARCHAR), 9, '0') AS account_id,
       CASE t WHEN 0 THEN 'phone' WHEN 1 THEN 'address' ELSE 'email' END AS contact_type,
       CASE t WHEN 0 THEN '+1' || CAST(2002000000 + (h % 7000000000) AS VARCHAR)
              WHEN 1 THEN CAST(1 + h % 9999 AS VARCHAR) || ' MAIN ST|' || lpad(CAST(h % 99999 AS VARCHAR), 5, '0')
              ELSE 'user' || CAST(a AS VARCHAR) || '@example.com' END AS contact_key,
       1 AS rank,
       CASE WHEN t = 0 AND a % 50 = 0 THEN 'third_party' ELSE 'debtor' END AS role,
       CASE WHEN t = 1 THEN CAST(1 + h % 9999 AS VARCHAR) || ' MAIN ST' END AS address_line1,
       CASE WHEN t = 1 THEN 'SPRINGFIELD' END AS city,
       CASE WHEN t = 1 THEN 'IL' END AS state,
       CASE WHEN t = 1 THEN lpad(CAST(h % 99999 AS VARCHAR), 5, '0') END AS zip,
       CASE WHEN t = 0 THEN CAST(2002000000 + (h % 7000000000) AS VARCHAR) END AS phone,
       CASE WHEN t = 0 THEN 'mobile' END AS phone_type,
       CASE WHEN t = 2 THEN 'user' || CAST(a AS VARCHAR) || '@example.com' END AS email,
       'America/Chicago' AS time_zone,
       round(CASE WHEN $changed_every > 0 AND i % $changed_every = 0 THEN 0.5
                  ELSE (h % 1000) / 1000.0 END, 4) AS confidence,
       CASE WHEN h % 25 = 0 THEN 'suppressed' WHEN h % 3 = 0 THEN 'confirmed' ELSE 'new' END AS status,
       'acme;credit_header' AS sources,
       DATE '2020-01-01' + CAST(h % 2000 AS INTEGER) AS first_seen,
       DATE '2026-01-01' + CAST(h % 300 AS INTEGER) AS last_seen,
       CASE WHEN h % 25 = 0 THEN 'SUPPRESSED: collector reported this number wrong or disconnected'
            ELSE 'new ' || CASE t WHEN 0 THEN 'phone' WHEN 1 THEN 'address' ELSE 'email' END
                 || ' from 2 sources (acme, credit_header)' END AS reasons,
       h % 33 = 0 AS on_hold,
       CASE WHEN t = 0 THEN 'manual' END AS dial_mode
FROM r;

INSERT INTO account_flags (run_id, account_id, flag, confidence, evidence)
SELECT $run_id, 'AC' || lpad(CAST(a AS VARCHAR), 9, '0'), 'moved', 0.9, 'ncoa'
FROM (SELECT range AS a FROM range($contacts // 3)) WHERE a % 50 = 1;

INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule, action, reason, regulation)
SELECT run_id, account_id, contact_type, contact_key, 'outcome_wrong_number', 'suppress',
       'wrong number', 'TCPA'
FROM contact_points WHERE run_id = $run_id AND status = 'suppressed';
