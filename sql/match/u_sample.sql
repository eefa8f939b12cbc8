-- Level counts per comparison over the pairs of the view _u_compared (matchers/link.py
-- _sample_u_counts: the levels of a random sample of all pairs, or of all pairs when there are
-- few, from compare.sql's `_match_levels`, or from the _match_cmp another comparator made),
-- split by whether blocking proposed the pair (it is in _match_candidates): EM counts the
-- candidates exactly, with their posteriors, and takes only the other pairs from the
-- sample (fellegi_sunter.u_from_candidates). Long form: comparison, level, candidate, n.
-- The pairs are counted per whole pattern first (a few thousand distinct patterns), and only
-- those are unpivoted: unpivoting the pairs themselves made nine rows of each of the 1M sampled
-- pairs (0.21 s against 0.10-0.14 s, the same counts).
-- The candidate slot: whether blocking proposed the pair, an EXISTS over _match_candidates
-- (matchers/link.py _U_CANDIDATE), where EM reads the split (no guards); else the constant true
-- (every pair a candidate): nothing reads the split then, and the test cost 0.2 s of CPU on the
-- generated 100k (both ids of each sampled pair gathered, a semi join of 1M pairs on 1.2M).
SELECT comparison, level, candidate, sum(n) AS n
FROM (
    UNPIVOT (SELECT first_name, last_name, dob, ssn, address, phone, email, suffix,
                    middle_initial, candidate, count(*) AS n
             FROM (SELECT c.first_name, c.last_name, c.dob, c.ssn, c.address, c.phone, c.email,
                          c.suffix, c.middle_initial,
                          {{candidate}} AS candidate
                   FROM _u_compared c)
             GROUP BY ALL)
    ON first_name, last_name, dob, ssn, address, phone, email, suffix, middle_initial
    INTO NAME comparison VALUE level
)
GROUP BY ALL
ORDER BY ALL;
