-- The time-zone lookups of this run (08_finalize.sql), from the reference matchers/time_zones.py
-- registers as _zip_zones (zip5, tz), _city_zones (state, city, tz, one_clock) and _state_zones
-- (state, tz, zones: one per clock): the zones of the ZIPs the run's addresses use, of the
-- cities of its addresses whose ZIP gives no zone (none, or one the reference does not know:
-- few, so the join in 08 is cheap) and of every state. The last statement lists the numbers' own zones; time_zones.py adds them to the
-- reference's and the area codes' in rs_tz_off, each with its winter and summer UTC offsets.
CREATE OR REPLACE TEMP TABLE rs_zip_tz AS
SELECT z.zip5, z.tz
FROM _zip_zones z
SEMI JOIN (SELECT zip5 FROM rs_evs WHERE contact_type = 'address' AND zip5 IS NOT NULL) e
  ON e.zip5 = z.zip5;

CREATE OR REPLACE TEMP TABLE rs_city_tz AS
SELECT c.state, c.city, c.tz, c.one_clock
FROM _city_zones c
SEMI JOIN (SELECT state, city FROM rs_evs e
           WHERE contact_type = 'address' AND city IS NOT NULL AND state IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM rs_zip_tz z WHERE z.zip5 = e.zip5)) e
  ON e.state = c.state AND e.city = c.city;

CREATE OR REPLACE TEMP TABLE rs_state_tz AS
SELECT state, tz, zones FROM _state_zones;

SELECT DISTINCT tz_phone AS tz FROM rs_evs WHERE tz_phone IS NOT NULL ORDER BY tz;
