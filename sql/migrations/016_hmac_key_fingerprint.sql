-- 016: the fingerprint of the HMAC key this database's SSN hashes were made with: HMAC-SHA256 of
-- a constant under the key (sources/pii.py key_fingerprint), never the key. A refresh records it
-- on first use and refuses to start with a key whose fingerprint differs (issue 19, case 3).
CREATE TABLE IF NOT EXISTS hmac_key_fingerprint (
    fingerprint  VARCHAR NOT NULL,
    recorded_at  TIMESTAMP,
    run_id       VARCHAR            -- the run that recorded it
);
