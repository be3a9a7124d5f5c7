"""Spotting events in a video with a trained spotter: per-frame probabilities, then per event type its onset
peaks, each with its duration (from the active head) and confidence (the peak's probability)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from shinobi_tools.errors import MissingCheckpointError
from shinobi_tools.models.detect import Detector
from shinobi_tools.models.eventnet import RunFrames
from shinobi_tools.models.spotter.config import SpotterConfig
from shinobi_tools.models.spotter.data import load_frames
from shinobi_tools.models.spotter.net import run_logits, spotter_net
from shinobi_tools.models.spotter.train import CHECKPOINT_NAME

COLUMNS = ["onset", "duration", "trial_type", "description", "confidence"]


class Spotter:
    """A loaded checkpoint: ``Spotter.load(path).spot(video)``."""

    def __init__(self, state: dict) -> None:
        self.config = SpotterConfig.from_dict(state["config"])
        self.types: list[str] = list(state["types"])
        self.detector = Detector.from_state(state["detector"])
        self.model = spotter_net(len(self.types), self.config)
        self.model.load_state_dict(state["model"])
        self.model.eval()

    @classmethod
    def load(cls, checkpoint: str | Path) -> Spotter:
        path = Path(checkpoint)
        if path.is_dir():
            path = path / CHECKPOINT_NAME
        if not path.exists():
            raise MissingCheckpointError(f"{path}: no spotter checkpoint; train one with `shinobi-tools spotter-train`")
        try:
            return cls(torch.load(path, map_location="cpu", weights_only=True))
        except Exception as error:  # torch raises many types for a truncated, foreign or older file
            raise MissingCheckpointError(f"{path}: not a readable spotter checkpoint ({type(error).__name__}); "
                                         "train it again with `shinobi-tools spotter-train`") from None

    def probabilities(self, video: str | Path, cache_dir: str | Path | None = None) -> tuple[np.ndarray, RunFrames]:
        """(T, C) onset (then C active, with the active head) probabilities per sampled frame, and the frames."""
        torch.set_num_threads(self.config.threads)
        run = load_frames(video, self.config, cache_dir)
        return torch.sigmoid(run_logits(self.model, run.frames)).numpy(), run

    def spot(self, video: str | Path, threshold: float | dict | None = None,
             cache_dir: str | Path | None = None) -> pd.DataFrame:
        """The events table; ``threshold`` (one value, or per type) replaces the tuned onset thresholds."""
        probs, run = self.probabilities(video, cache_dir)
        detector = self.detector
        if threshold is not None:
            chosen = [threshold.get(t, detector.thresholds[c]) if isinstance(threshold, dict) else threshold
                      for c, t in enumerate(self.types)]
            detector = Detector(detector.types, detector.durations, chosen, detector.gaps,
                                detector.active_thresholds)
        rows = [{"onset": round(d.onset, 4), "duration": round(d.duration, 4), "trial_type": d.trial_type,
                 "description": f"Spotted: {d.trial_type}.", "confidence": round(d.confidence, 4)}
                for d in detector.detect(probs, run.times, run.fps / run.stride)]
        table = pd.DataFrame(rows, columns=COLUMNS)
        return table.sort_values(["onset", "trial_type"], kind="stable").reset_index(drop=True)
