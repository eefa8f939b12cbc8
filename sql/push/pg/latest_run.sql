SELECT max(run_id) FROM skiptrace_runs;
