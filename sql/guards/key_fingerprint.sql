-- The key fingerprint recorded first (there is one; a second would be a bug, the first wins).
SELECT fingerprint FROM hmac_key_fingerprint ORDER BY recorded_at LIMIT 1;
