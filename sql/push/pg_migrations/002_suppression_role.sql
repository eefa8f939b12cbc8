-- The role of the contact point a contact-level decision was made for: 'debtor' or
-- 'third_party'. '' for an account-wide decision, and for a row pushed before this version
-- (its role was not recorded).
--
-- One value can be both the debtor's contact and a relative's (a relative at the debtor's
-- address, a line they share). skiptrace_contacts keeps one row per value, the debtor's, and a
-- decision made on the relative's point used to land beside it under the same key: read by
-- key, the debtor's number looked suppressed by the relative's rule. The role is part of the
-- key now, so the two decisions are two rows and a reader can tell them apart.
--
-- After this migration the first push writes each active contact-level decision again with its
-- role and marks the row without one inactive (the history keeps both).
ALTER TABLE skiptrace_suppressions ADD COLUMN IF NOT EXISTS role text NOT NULL DEFAULT '';
ALTER TABLE skiptrace_suppressions DROP CONSTRAINT IF EXISTS skiptrace_suppressions_pkey;
ALTER TABLE skiptrace_suppressions
    ADD PRIMARY KEY (account_id, contact_type, contact_key, role, rule);
