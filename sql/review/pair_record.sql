-- The source-record side of a pair.
SELECT r.rec_id, r.source, r.kind, r.record_id, r.first_name, r.middle_name, r.last_name,
       r.suffix, r.full_name, r.ssn_last4, r.dob, r.address_line1, r.address_line2, r.city,
       r.state, r.zip, r.phone, NULL AS phone_2, NULL AS phone_3, r.email, r.record_date,
       f.file_name, r.line_no
FROM source_records r
LEFT JOIN input_files f USING (file_no)
WHERE r.rec_id = $rec_id;
