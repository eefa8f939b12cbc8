-- The run's valid NANP numbers without a zone of their own (time_zones.py looks up the zones of
-- their area code: Alaska's 907 spans two; a toll-free number has none).
SELECT DISTINCT e164
FROM rs_evs
WHERE contact_type = 'phone' AND tz_phone IS NULL AND coalesce(phone_valid, false)
  AND starts_with(e164, '+1')
ORDER BY e164;
