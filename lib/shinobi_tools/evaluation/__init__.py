"""Stage 6: event matching and metrics, non-learned baselines, the results table."""
