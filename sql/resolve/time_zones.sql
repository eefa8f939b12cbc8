-- The time-zone lookups of this run (08_finalize.sql), from the ZIP reference registered as
-- _zip_zones (zip5, tz) and _state_zones (state, tz) by resolve.py: the zones of the ZIPs the
-- run's addresses use, each state's most common zone (for an address whose ZIP is unknown).
-- The last statement lists every zone the run can meet, whose UTC offsets resolve.py looks up
-- (zoneinfo) into rs_tz_off.
CREATE OR REPLACE TEMP TABLE rs_zip_tz AS
SELECT z.zip5, z.tz
FROM _zip_zones z
SEMI JOIN (SELECT zip5 FROM rs_evs WHERE contact_type = 'address' AND zip5 IS NOT NULL) e
  ON e.zip5 = z.zip5;

CREATE OR REPLACE TEMP TABLE rs_state_tz AS
SELECT state, tz FROM _state_zones;

SELECT tz FROM rs_zip_tz
UNION
SELECT tz FROM rs_state_tz
UNION
SELECT tz_phone FROM rs_evs WHERE tz_phone IS NOT NULL
ORDER BY tz;
