-- Which outcomes are verdicts on a contact (sql/outcomes/latest.sql, run first): the list the
-- push's outcome check at push time is given (sql/push/pg/guard_outcomes.sql).
SELECT verdict_outcomes() AS verdicts
