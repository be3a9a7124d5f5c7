"""Stage 5: the event models — the non-LLM spotter and the video LLM — and the peak picking they share."""
