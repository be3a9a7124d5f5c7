"""The fast pathway itself: a video through the event network, its detections, its tokens, its file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from shinobi_tools.models.detect import Detection, Detector
from shinobi_tools.models.eventnet import EventNet, RunFrames, decode_frames, run_outputs
from shinobi_tools.models.vlm.fast.tokens import FastProjector

FAST_FILE = "fast_pathway.pt"
FORMAT = 2


@dataclass
class FastRun:
    """A video through the fast pathway: per fast frame its time (s), hidden state and logits."""

    times: np.ndarray
    hidden: torch.Tensor   # (T, D)
    logits: torch.Tensor   # (T, 2C)
    fps: float

    @property
    def probabilities(self) -> np.ndarray:
        return torch.sigmoid(self.logits).numpy()

    def features(self) -> torch.Tensor:
        """(T, D + 2C): what the fast tokens are made of."""
        return torch.cat([self.hidden, self.logits], dim=1)


@dataclass
class FastPathway:
    net: EventNet
    detector: Detector
    fps: float
    width: int
    height: int
    #: Most frequent training description per type (for detections the language model does not describe).
    descriptions: dict = field(default_factory=dict)
    tokens_per_step: int = 2
    projector: FastProjector | None = None
    token_id: int | None = None
    meta: dict = field(default_factory=dict)
    #: Which fast frames follow a detailed frame at t (FastConfig.token_span): ``after`` = [t, t + period),
    #: ``since`` = (t - period, t].
    token_span: str = "after"

    @property
    def types(self) -> list[str]:
        return self.detector.types

    @property
    def feature_size(self) -> int:
        return self.net.hidden_size + 2 * len(self.types)

    # -- inference ------------------------------------------------------------------------------------
    def run_frames(self, frames: RunFrames) -> FastRun:
        hidden, logits = run_outputs(self.net, frames.frames, chunk=512)
        return FastRun(frames.times, hidden, logits, frames.fps / frames.stride)

    def run(self, video: str | Path) -> FastRun:
        return self.run_frames(decode_frames(video, self.width, self.height, fps=self.fps))

    def detect(self, run: FastRun, kinds: list[str] | None = None) -> list[Detection]:
        return self.detector.detect(run.probabilities, run.times, run.fps, kinds)

    def tokens(self, run: FastRun, times: np.ndarray, period: float) -> torch.Tensor:
        """(len(times) × tokens_per_step, features): per detailed frame at ``times`` (s, video time), the fast
        frames of its span (``token_span``) max-pooled into ``tokens_per_step`` equal parts in time order (the
        nearest fast frame when a part holds none, e.g. past the video's end)."""
        features = run.features()
        k = self.tokens_per_step
        since = self.token_span == "since"
        rows = []
        for t in times:
            first = t - period if since else t
            for j in range(k):
                lo, hi = first + j * period / k, first + (j + 1) * period / k
                if since:  # (lo, hi]
                    inside = np.flatnonzero((run.times > lo + 1e-6) & (run.times <= hi + 1e-6))
                else:      # [lo, hi)
                    inside = np.flatnonzero((run.times >= lo - 1e-6) & (run.times < hi - 1e-6))
                if len(inside):
                    rows.append(features[inside].amax(dim=0))
                else:
                    rows.append(features[int(np.clip(np.searchsorted(run.times, hi), 0, len(run.times) - 1))])
        return torch.stack(rows) if rows else torch.zeros(0, features.shape[1])

    # -- persistence ----------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        cpu = lambda state: {k: v.detach().cpu() for k, v in state.items()}
        projector = None if self.projector is None else {
            "in": self.projector.in_features, "out": self.projector.out_features, "hidden": self.projector.hidden,
            "n_names": len(self.projector.names), "weights": cpu(self.projector.state_dict())}
        state = {"format": FORMAT, "spec": self.net.spec, "weights": cpu(self.net.state_dict()),
                 "detector": self.detector.state(), "fps": self.fps, "width": self.width, "height": self.height,
                 "descriptions": self.descriptions, "tokens_per_step": self.tokens_per_step,
                 "projector": projector, "token_id": self.token_id, "meta": self.meta, "token_span": self.token_span}
        path = Path(folder) / FAST_FILE
        partial = path.with_suffix(".partial")
        torch.save(state, partial)
        partial.replace(path)
        return path

    @classmethod
    def from_state(cls, state: dict) -> FastPathway:
        if state.get("format") != FORMAT:
            raise ValueError("a fast pathway from another version of shinobi-tools; fine-tune the model again")
        net = EventNet(**state["spec"])
        net.load_state_dict(state["weights"])
        net.eval()
        projector = None
        if state.get("projector"):
            spec = state["projector"]
            names = torch.zeros(spec.get("n_names", 0), spec["out"])
            projector = FastProjector(spec["in"], spec["out"], names if len(names) else None, spec.get("hidden"))
            projector.load_state_dict(spec["weights"])
            projector.eval()
        return cls(net, Detector.from_state(state["detector"]), float(state["fps"]), int(state["width"]),
                   int(state["height"]), dict(state["descriptions"]), int(state["tokens_per_step"]), projector,
                   state.get("token_id"), dict(state.get("meta") or {}), state.get("token_span", "after"))


def load_fast(folder: str | Path) -> FastPathway | None:
    """The fast pathway saved in a model folder, or None."""
    path = Path(folder) / FAST_FILE
    if not path.exists():
        return None
    return FastPathway.from_state(torch.load(path, map_location="cpu", weights_only=True))
