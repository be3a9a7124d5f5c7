"""Stage 3: timestamped events from the per-frame tables, with descriptions and exports."""
