-- Per source: the reliability $run_id used, learned from collectors' outcomes (issue 21):
-- registry prior, outcomes judged, right-party hits, the observed rate, and the shrunk value.
SELECT source, prior, strength, outcomes, hits,
       CASE WHEN outcomes > 0 THEN hits / outcomes END AS observed,
       reliability
FROM source_reliability
WHERE run_id = $run_id
ORDER BY outcomes DESC, source
