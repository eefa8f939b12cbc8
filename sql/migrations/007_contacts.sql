-- 007: additive columns for contact resolution, suppression and the import layouts.
-- Only ADD COLUMN IF NOT EXISTS: nothing earlier changes meaning.

-- Status and reasons as resolution left them, before any suppression rule: apply_suppressions
-- starts from these, so re-applying (e.g. with edited rules) is idempotent.
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS resolved_status VARCHAR;
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS resolved_reasons VARCHAR;
-- Held contacts (bankruptcy stay, dispute) stay in the exports with an on-hold flag.
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS on_hold BOOLEAN;
-- TCPA: 'autodialer' only with prior express consent for this number, else 'manual'.
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS dial_mode VARCHAR;
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS consent_autodialer BOOLEAN;
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS extension VARCHAR;
-- Reg F 1006.6(b)(1): zone implied by the area code, next to time_zone (the consumer's, from
-- the address); tz_conflict when the two disagree in UTC offset.
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS tz_area_code VARCHAR;
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS tz_conflict BOOLEAN;
-- Third-party (location information) contacts: who the contact belongs to.
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS relationship VARCHAR;
ALTER TABLE contact_points ADD COLUMN IF NOT EXISTS party_name VARCHAR;
