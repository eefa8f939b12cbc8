-- The role of the contact point a contact-level suppression was decided for ('debtor' or
-- 'third_party'); NULL for a whole-account decision, and on rows written before this migration.
--
-- One key can belong to two points of an account (a relative at the debtor's address, a line
-- they share: migration 097). The rules are applied per point, but the decision rows named only
-- the key, so the readers that join them back (explain's suppressions, the import layouts'
-- hold reasons, the report's contact counts) gave the relative's point's decisions to the
-- debtor's point too, and the reverse. They now match on the role where it is recorded, and on
-- the key alone where it is not.
ALTER TABLE suppressions ADD COLUMN IF NOT EXISTS role VARCHAR;
