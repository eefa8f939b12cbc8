-- Append one run's scored pairs (the registered frame _scored) to match_pairs, with the level
-- and partial-weight vectors as structs with one field per comparison (matchers/compare.py;
-- the column types are migration 100's).
-- Columns named: later migrations add columns (028: review_decision_id, set afterwards).
INSERT INTO match_pairs (
    run_id, account_id, rec_id, source, match_weight, match_probability, role, guard, levels,
    weights)
SELECT
    $run_id,
    account_id,
    rec_id,
    source,
    match_weight,
    match_probability,
    role,
    guard,
    struct_pack(
        first_name := first_name, last_name := last_name, dob := dob, ssn := ssn,
        address := address, phone := phone, email := email, suffix := suffix,
        middle_initial := middle_initial),
    struct_pack(
        first_name := w_first_name, last_name := w_last_name, dob := w_dob, ssn := w_ssn,
        address := w_address, phone := w_phone, email := w_email, suffix := w_suffix,
        middle_initial := w_middle_initial)
FROM _scored
ORDER BY account_id, rec_id;  -- clustered by account (the caller sorts the chunks the same way)
