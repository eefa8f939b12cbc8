INSERT INTO hmac_key_fingerprint (fingerprint, recorded_at, run_id)
VALUES ($fingerprint, current_timestamp::TIMESTAMP, $run_id);
