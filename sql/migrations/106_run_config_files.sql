-- 106: run_config_files, the configuration files a run read, whole: the suppression rules it
-- applied (the shipped default rules too), its sources.yml and its account profile.
--
-- Why: runs.params kept only the rules file's path, as typed (often relative). Edit the file
-- after the run and `skiptrace replay` re-applied the new rules and could still print
-- IDENTICAL (an audit turned `mobile_without_consent` off: 393 phones went from manual dialing
-- to the autodialer and 395 suppression decisions vanished, and the replay compared only rank,
-- confidence and status). The shipped default rules change between versions the same way.
-- Replay now re-applies the content recorded here. sources.yml and the profile are read at
-- ingest only (replay reuses the loaded rows, whose files are identified by sha256 in
-- input_files); they are kept so an examiner can see the configuration the run was given.
-- One row per (run, kind); a retried stage replaces its row. Kept by archive and purge.

CREATE TABLE IF NOT EXISTS run_config_files (
    run_id      VARCHAR   NOT NULL,
    kind        VARCHAR   NOT NULL,  -- 'rules' | 'sources' | 'profile'
    given       VARCHAR,             -- as the run was given it (runs.params); NULL = the default
    path        VARCHAR   NOT NULL,  -- the file read, absolute
    shipped     BOOLEAN   NOT NULL,  -- a file shipped with skiptrace (default rules, built-in profile)
    sha256      VARCHAR   NOT NULL,
    content     VARCHAR   NOT NULL,  -- the text read, byte for byte (UTF-8)
    recorded_at TIMESTAMP NOT NULL
);
