-- Level counts per comparison over the pairs in _match_cmp (a random sample of all pairs when
-- estimating u), split by whether blocking proposed the pair (it is in _match_candidates): EM
-- counts the candidates exactly, with their posteriors, and takes only the other pairs from the
-- sample (fellegi_sunter.u_from_candidates). Long form: comparison, level, candidate, n.
-- The pairs are counted per whole pattern first (a few thousand distinct patterns), and only
-- those are unpivoted: unpivoting the pairs themselves made nine rows of each of the 1M sampled
-- pairs (0.21 s against 0.10-0.14 s, the same counts).
SELECT comparison, level, candidate, sum(n) AS n
FROM (
    UNPIVOT (SELECT first_name, last_name, dob, ssn, address, phone, email, suffix,
                    middle_initial, candidate, count(*) AS n
             FROM (SELECT c.first_name, c.last_name, c.dob, c.ssn, c.address, c.phone, c.email,
                          c.suffix, c.middle_initial,
                          EXISTS (SELECT 1 FROM _match_candidates m
                                  WHERE m.account_id = c.account_id AND m.rec_id = c.rec_id)
                              AS candidate
                   FROM _match_cmp c)
             GROUP BY ALL)
    ON first_name, last_name, dob, ssn, address, phone, email, suffix, middle_initial
    INTO NAME comparison VALUE level
)
GROUP BY ALL
ORDER BY ALL;
