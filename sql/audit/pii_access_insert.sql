-- One use of a command that shows personal data unmasked (flows/audit/pii_access.py).
INSERT INTO pii_access_log (os_user, host, command, run_id, rows_shown)
VALUES ($os_user, $host, $command, $run_id, $rows_shown);
