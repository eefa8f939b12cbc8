-- 006: matcher details that 003's tables have no column for (additive only).

-- One row per link run: what the run was estimated on and the settings used, so a run can be
-- replayed (reuse_params_from) and any pair explained. Note on priors: match_model.prior is the
-- prior every pair's match_weight starts from, P(two random records match) over the whole
-- accounts x records product (Splink's probability_two_random_records_match), so that
-- log2(prior/(1-prior)) + sum(partial weights) = match_weight for every pair;
-- prior_candidates below is the share of matches among candidate pairs.
CREATE TABLE IF NOT EXISTS match_run (
    run_id            VARCHAR,
    prior_candidates  DOUBLE,    -- expected matches / candidate pairs
    prior_weight      DOUBLE,    -- log2(match_model.prior / (1 - match_model.prior))
    n_left            BIGINT,    -- accounts compared
    n_right           BIGINT,    -- source records compared
    u_sample_pairs    BIGINT,    -- random pairs the u values were measured on (0 when reused)
    expected_matches  DOUBLE,    -- sum of EM posteriors over candidate pairs
    em_converged      BOOLEAN,
    settings          JSON,      -- MatchSettings as used
    estimation        JSON,      -- how m was obtained per comparison (anchor pairs or EM), etc.
    created_at        TIMESTAMP
);

-- Records that scored at or above the threshold for more than one account. A record is the
-- debtor of at most one account: the best weight keeps the role ('kept'), the others are
-- 'outscored'; equal best weights give no debtor at all ('tie').
CREATE TABLE IF NOT EXISTS match_conflicts (
    run_id             VARCHAR,
    rec_id             BIGINT,
    account_id         VARCHAR,
    match_weight       DOUBLE,
    match_probability  DOUBLE,
    echoed             BOOLEAN,  -- the record echoes this account key (breaks equal weights)
    outcome            VARCHAR   -- kept | outscored | tie
);
