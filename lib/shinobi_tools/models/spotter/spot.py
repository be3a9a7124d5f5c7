"""Spotting events in a video with a trained spotter: per-frame probabilities, then peaks per event type."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from shinobi_tools.errors import MissingCheckpointError
from shinobi_tools.models.peaks import pick_peaks
from shinobi_tools.models.spotter.config import SpotterConfig
from shinobi_tools.models.spotter.data import RunFrames, load_frames
from shinobi_tools.models.spotter.net import SpotterNet, run_logits
from shinobi_tools.models.spotter.train import CHECKPOINT_NAME


class Spotter:
    """A loaded checkpoint: ``Spotter.load(path).spot(video)``."""

    def __init__(self, state: dict) -> None:
        self.config = SpotterConfig.from_dict(state["config"])
        self.types: list[str] = list(state["types"])
        self.durations: dict = state["durations"]
        self.thresholds: dict = state["thresholds"]
        self.gaps: dict = state["gaps"]
        self.model = SpotterNet(len(self.types), self.config)
        self.model.load_state_dict(state["model"])
        self.model.eval()

    @classmethod
    def load(cls, checkpoint: str | Path) -> "Spotter":
        path = Path(checkpoint)
        if path.is_dir():
            path = path / CHECKPOINT_NAME
        if not path.exists():
            raise MissingCheckpointError(f"{path}: no spotter checkpoint; train one with `shinobi-tools spotter-train`")
        try:
            return cls(torch.load(path, map_location="cpu", weights_only=True))
        except Exception as error:  # torch raises many types for a truncated or foreign file
            raise MissingCheckpointError(f"{path}: not a readable spotter checkpoint ({type(error).__name__}); "
                                         "train it again with `shinobi-tools spotter-train`") from None

    def probabilities(self, video: str | Path, cache_dir: str | Path | None = None) -> tuple[np.ndarray, RunFrames]:
        """(T, C) per-sampled-frame onset probabilities and the decoded frames."""
        torch.set_num_threads(self.config.threads)
        run = load_frames(video, self.config, cache_dir)
        return torch.sigmoid(run_logits(self.model, run.frames)).numpy(), run

    def spot(self, video: str | Path, threshold: float | dict | None = None,
             cache_dir: str | Path | None = None) -> pd.DataFrame:
        probs, run = self.probabilities(video, cache_dir)
        rows = []
        for c, kind in enumerate(self.types):
            limit = threshold.get(kind, self.thresholds[kind]) if isinstance(threshold, dict) else (
                self.thresholds[kind] if threshold is None else threshold)
            gap = int(self.gaps[kind])
            for index, score in zip(*pick_peaks(probs[:, c], float(limit), gap)):
                rows.append({"onset": round(index * run.stride / run.fps, 4),
                             "duration": round(float(self.durations[kind]), 4), "trial_type": kind,
                             "score": round(float(score), 4), "description": f"Spotted: {kind}."})
        table = pd.DataFrame(rows, columns=["onset", "duration", "trial_type", "score", "description"])
        return table.sort_values(["onset", "trial_type"], kind="stable").reset_index(drop=True)
