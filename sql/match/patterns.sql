-- The EM pattern table: distinct comparison vectors among candidate pairs and how many pairs
-- have each. EM runs on these few thousand rows, not on the pairs.
SELECT first_name, last_name, dob, ssn, address, phone, email, suffix, middle_initial,
       count(*) AS n
FROM _match_cmp
GROUP BY ALL
ORDER BY ALL;
