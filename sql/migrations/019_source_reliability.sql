-- 019: each source's reliability as a run used it, after collectors' outcomes (issue 21).
-- Additive only. prior = the registry's reliability; outcomes / hits = decisive outcomes on
-- contacts the source supported in the previous completed run (hit = right-party contact;
-- miss = wrong number, disconnected, returned mail, moved); reliability = the beta-posterior
-- mean (hits + strength x prior) / (outcomes + strength): the prior until evidence accumulates.
CREATE TABLE IF NOT EXISTS source_reliability (
    run_id       VARCHAR,
    source       VARCHAR,
    prior        DOUBLE,
    strength     DOUBLE,
    outcomes     BIGINT,
    hits         BIGINT,
    reliability  DOUBLE
);
