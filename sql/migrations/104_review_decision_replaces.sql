-- The pending decision a review decision replaced, when a reviewer overrode another reviewer's
-- decision that no run had applied yet (the workbench refuses such a decision unless the
-- reviewer says so explicitly: flows/review/store.py). NULL for every other decision, and on
-- the rows imported before this migration.
ALTER TABLE review_decisions ADD COLUMN IF NOT EXISTS replaces_decision_id VARCHAR;
