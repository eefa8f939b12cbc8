-- The account side of a pair, as the latest loaded account export has it.
SELECT a.account_id, a.first_name, a.middle_name, a.last_name, a.suffix, a.full_name,
       a.ssn_last4, a.dob, a.address_line1, a.address_line2, a.city, a.state, a.zip,
       a.phone, a.phone_2, a.phone_3, a.email, f.file_name, a.line_no
FROM current_accounts a
LEFT JOIN input_files f USING (file_no)
WHERE a.account_id = $account_id
LIMIT 1;
