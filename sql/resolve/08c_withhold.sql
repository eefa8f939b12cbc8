-- Contact points resolution keeps but no export carries: status 'suppressed' (so contacts.csv,
-- the import layouts, location_info.csv, the work list and the push leave them out, and delta.csv
-- tells the collections system to stop using one it had), resolution's reasons beginning
-- 'WITHHELD: ...'.
-- They stay in contact_points with their support, so `skiptrace explain` and lineage show them
-- and why. On the final ranks (after collectors' outcomes, 08b):
--   * a placeholder (07: a number or email reported for more than $placeholder_debtors distinct
--     debtors) is nobody's own contact; it ranks after every other point of the account (08);
--   * beyond the $max_emitted best-ranked points of one type and role of the account: a
--     debtor traced by 300 records had 302 phones exported, the true one among them at
--     confidence 0.0096, which no collector works through; the ten best are the ones a dialer
--     or a letter run uses. A number that is not valid and an address that cannot be mailed
--     rank last (08), so they are the first to go.
-- Suppression (matchers/suppress.py) starts again from what resolution wrote, so a rule never
-- puts a withheld point back.
UPDATE rs_final
SET status = 'suppressed',
    reasons = concat_ws('; ',
        'WITHHELD: ' || CASE
            WHEN placeholder
                THEN CASE contact_type WHEN 'phone' THEN 'number' ELSE contact_type END
                     || ' reported for ' || shared_debtors
                     || ' different debtors: a placeholder or a shared line, not the debtor''s own'
            ELSE 'ranked ' || rank || ', beyond the ' || CAST($max_emitted AS INTEGER)
                 || ' best ' || contact_type || CASE WHEN contact_type = 'address' THEN 'es' ELSE 's' END
                 || ' of the account'
                 || CASE WHEN role = 'third_party' THEN ' (third parties)' ELSE '' END
        END,
        reasons)
WHERE placeholder OR rank > CAST($max_emitted AS INTEGER);
