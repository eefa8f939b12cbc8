-- An account export delivered as a snapshot (profile `delivery: snapshot`): the new file is the
-- whole portfolio, so every earlier account file still current, whatever its name, stops being
-- current. An account missing from the new export is closed here: it is no longer worked, and the
-- run's shrink check (guards.py) refuses a delivery that drops more than max_shrink of them.
UPDATE input_files SET status = 'superseded', superseded_by = $file_no
WHERE source = $source AND status = 'loaded' AND file_no <> $file_no;
