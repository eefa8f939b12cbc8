-- Level counts per comparison over the pairs in _match_cmp (a random sample of all pairs when
-- estimating u). Long form: comparison, level, n.
SELECT comparison, level, count(*) AS n
FROM (
    UNPIVOT (SELECT first_name, last_name, dob, ssn, address, phone, email, suffix, middle_initial
             FROM _match_cmp)
    ON first_name, last_name, dob, ssn, address, phone, email, suffix, middle_initial
    INTO NAME comparison VALUE level
)
GROUP BY ALL
ORDER BY ALL;
