"""Replay, annotate and evaluate retro-game recordings (stable-retro bk2 files)."""

__version__ = "0.1.0"
