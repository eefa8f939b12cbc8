-- The accounts with at least one candidate whose pattern shows another same-name generation
-- (`_generation_patterns`: the patterns of guard_patterns.sql whose first guard is in
-- GENERATION_EVIDENCE, registered by matchers/link.py), and whether one of them dates it
-- (`dated`: a suffix conflict or a DOB a generation off, DATED_GENERATION_EVIDENCE). Computed
-- over every candidate before scoring, because scoring runs in chunks split on the record and
-- an account's pairs fall in several chunks: the household guard of one chunk needs the father
-- found in another.
-- IS NOT DISTINCT FROM: a pattern may hold a NULL echo flag or level, and must still match.
SELECT c.account_id, bool_or(p.dated) AS dated
FROM _match_cmp c
JOIN _generation_patterns p
  ON c.echoed IS NOT DISTINCT FROM p.echoed
 AND c.first_name IS NOT DISTINCT FROM p.first_name
 AND c.last_name IS NOT DISTINCT FROM p.last_name
 AND c.dob IS NOT DISTINCT FROM p.dob
 AND c.ssn IS NOT DISTINCT FROM p.ssn
 AND c.address IS NOT DISTINCT FROM p.address
 AND c.phone IS NOT DISTINCT FROM p.phone
 AND c.email IS NOT DISTINCT FROM p.email
 AND c.suffix IS NOT DISTINCT FROM p.suffix
 AND c.middle_initial IS NOT DISTINCT FROM p.middle_initial
GROUP BY c.account_id;
