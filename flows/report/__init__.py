"""What a run tells people: run_summary.json, report.html, its charts, Prefect artifacts."""
