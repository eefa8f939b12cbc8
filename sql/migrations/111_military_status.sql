-- source_records: the SCRA military status of a `military_status` source (the DoD's SCRA
-- service, DMDC), one row per person looked up.
--
-- Why: the Servicemembers Civil Relief Act (50 USC 3931) bars a default judgment against a
-- servicemember without the court's safeguards and protects the year after active duty for
-- some of its relief; collectors check every account before legal action. The status is a fact
-- about a date (DMDC answers "on active duty on the status date"), so its dates are kept as
-- delivered and resolution judges them against the run's as-of date (sql/resolve/10_flags.sql):
--   scra_status_date      the date DMDC's answer is about (its "active duty status date")
--   scra_active_duty      on active duty on that date
--   scra_start_date       active duty began (a future date: a call-up notified ahead)
--   scra_end_date         active duty ended, or is to end (a projected date may be in the future)
--   scra_left_within_367  left active duty within the 367 days before the status date
--   scra_report_date      when DMDC produced the answer (the certificate's date)
-- Rows of other kinds leave them NULL.
ALTER TABLE source_records ADD COLUMN IF NOT EXISTS scra_status_date DATE;
ALTER TABLE source_records ADD COLUMN IF NOT EXISTS scra_active_duty BOOLEAN;
ALTER TABLE source_records ADD COLUMN IF NOT EXISTS scra_start_date DATE;
ALTER TABLE source_records ADD COLUMN IF NOT EXISTS scra_end_date DATE;
ALTER TABLE source_records ADD COLUMN IF NOT EXISTS scra_left_within_367 BOOLEAN;
ALTER TABLE source_records ADD COLUMN IF NOT EXISTS scra_report_date DATE;
