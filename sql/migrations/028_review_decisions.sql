-- 028: review decisions (issue 22). A reviewer's approve / reject of a held pair, append-only:
-- rows are only ever inserted (who, when, what, why); a later decision on the same pair
-- supersedes an earlier one without erasing it. The web workbench never writes here (the
-- nightly run may hold the database): it appends to a sidecar queue file next to the database
-- (<db>.review/decisions.jsonl), and the match stage of the next run imports that queue
-- (imported_run_id, imported_at) before applying the decisions to its scored pairs.
CREATE TABLE IF NOT EXISTS review_decisions (
    decision_id      VARCHAR PRIMARY KEY,  -- random id given when the reviewer decided
    kind             VARCHAR,              -- 'pair'
    account_id       VARCHAR,
    rec_id           BIGINT,               -- the record as the reviewer saw it
    source           VARCHAR,              -- with record_id: the pair's key across re-deliveries
    record_id        VARCHAR,
    action           VARCHAR,              -- approve | reject
    reason           VARCHAR,
    decided_by       VARCHAR,              -- workbench user name
    decided_at       TIMESTAMP,
    seen_run_id      VARCHAR,              -- the run whose queue the reviewer decided from
    imported_run_id  VARCHAR,              -- the run that took it from the queue
    imported_at      TIMESTAMP
);

-- The decision that set a pair's role in a run (approve -> debtor, reject -> rejected; an
-- approval also demotes another account's debtor pair on the same record), so lineage and
-- explain can say a person, not the model, decided.
ALTER TABLE match_pairs ADD COLUMN IF NOT EXISTS review_decision_id VARCHAR;
