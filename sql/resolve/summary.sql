-- What resolution wrote for the run, counted for ResolveResult (run_summary, the stage log).
SELECT count(*) AS contact_points,
       count(*) FILTER (WHERE role = 'debtor') AS debtor_contacts,
       count(*) FILTER (WHERE role = 'third_party') AS third_party_contacts,
       count(DISTINCT account_id) AS accounts_with_contacts,
       count(*) FILTER (WHERE role = 'debtor' AND contact_type = 'address') AS addresses,
       count(*) FILTER (WHERE role = 'debtor' AND contact_type = 'phone') AS phones,
       count(*) FILTER (WHERE role = 'debtor' AND contact_type = 'email') AS emails,
       count(*) FILTER (WHERE role = 'debtor' AND status = 'new') AS new,
       count(*) FILTER (WHERE role = 'debtor' AND status = 'confirmed') AS confirmed,
       count(*) FILTER (WHERE role = 'debtor' AND status = 'on_file') AS on_file
FROM contact_points WHERE run_id = $run_id;
