-- Contact-point confidence of $run_id in $bins equal-width bins, by contact type.
SELECT least(CAST(floor(confidence * $bins) AS INTEGER), $bins - 1) AS bin, contact_type, count(*) AS n
FROM contact_points WHERE run_id = $run_id AND confidence IS NOT NULL
GROUP BY ALL ORDER BY ALL;
