-- The distinct (echo flag, comparison levels) patterns among the compared candidates. The guards
-- read nothing else of a pair, so matchers/guards.py's generation_patterns tests each pattern
-- once instead of each pair (a few thousand patterns against millions of candidates).
SELECT DISTINCT echoed, first_name, last_name, dob, ssn, address, phone, email, suffix,
       middle_initial
FROM _match_cmp;
