-- Level counts per comparison over the pairs in _match_cmp (a random sample of all pairs when
-- estimating u), split by whether blocking proposed the pair (it is in _match_candidates): EM
-- counts the candidates exactly, with their posteriors, and takes only the other pairs from the
-- sample (fellegi_sunter.u_from_candidates). Long form: comparison, level, candidate, n.
SELECT comparison, level, candidate, count(*) AS n
FROM (
    UNPIVOT (SELECT c.first_name, c.last_name, c.dob, c.ssn, c.address, c.phone, c.email,
                    c.suffix, c.middle_initial,
                    EXISTS (SELECT 1 FROM _match_candidates m
                            WHERE m.account_id = c.account_id AND m.rec_id = c.rec_id) AS candidate
             FROM _match_cmp c)
    ON first_name, last_name, dob, ssn, address, phone, email, suffix, middle_initial
    INTO NAME comparison VALUE level
)
GROUP BY ALL
ORDER BY ALL;
