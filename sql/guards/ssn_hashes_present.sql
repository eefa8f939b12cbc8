-- Whether any SSN hash is stored: a database with hashes needs the key that made them.
SELECT EXISTS (SELECT 1 FROM accounts WHERE ssn_hash IS NOT NULL)
    OR EXISTS (SELECT 1 FROM source_records WHERE ssn_hash IS NOT NULL) AS present;
