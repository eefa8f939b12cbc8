-- Scored candidate pairs of $run_id in $bins equal-width probability bins, by role.
SELECT least(CAST(floor(match_probability * $bins) AS INTEGER), $bins - 1) AS bin, role, count(*) AS n
FROM match_pairs WHERE run_id = $run_id AND match_probability IS NOT NULL
GROUP BY ALL ORDER BY ALL;
