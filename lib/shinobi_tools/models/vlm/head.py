"""The auxiliary per-frame event head of a fine-tuned video LLM: event onsets from the vision tokens.

It reads the vision tokens of each *step* (a frame for SmolVLM, a frame pair for Qwen2.5-VL), is trained with
the language model on the clips' event onsets, and at annotation time checks and completes the text
(:mod:`shinobi_tools.vlm.decoding`). Saved as ``aux_head.pt`` beside the model: its shape, weights, the event
types and the decision settings tuned on validation clips (:mod:`shinobi_tools.vlm.calibration`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

AUX_FILE = "aux_head.pt"
FORMAT = 2


class EventHead(nn.Module):
    """Multi-label event-onset logits per step from its vision features.

    A step's features are the mean of its vision tokens and, with ``change_features``, the largest absolute
    change of any vision patch since the previous step of its clip (what appeared: an explosion is small, and
    averaging washes it out). Residual dilated 1D convolutions over each clip's steps then let a step's score
    use its neighbours; ``counts`` gives the steps of each clip in the batch, so clips never mix.
    """

    def __init__(self, in_features: int, n_types: int, change_features: int | None = None,
                 dilations: tuple[int, ...] | list[int] = (1, 2, 4), width: int = 128) -> None:
        super().__init__()
        self.in_features, self.change_features, self.n_types = in_features, change_features, max(n_types, 1)
        self.dilations, self.width = [int(d) for d in dilations], width
        features = in_features + (change_features or 0)
        self.norm = nn.LayerNorm(features)
        self.project = nn.Linear(features, width)
        self.convs = nn.ModuleList(nn.Conv1d(width, width, 3, padding=d, dilation=d) for d in self.dilations)
        self.linear = nn.Linear(width, self.n_types)

    def spec(self) -> dict:
        return dict(in_features=self.in_features, n_types=self.n_types, change_features=self.change_features,
                    dilations=self.dilations, width=self.width)

    def step_features(self, tokens: torch.Tensor, patches: torch.Tensor | None, counts: list[int]) -> torch.Tensor:
        """tokens (steps, tokens, hidden) and patches (steps, patches, width) → (steps, features)."""
        mean = tokens.float().mean(dim=1)
        if not self.change_features:
            return mean
        changes = []
        for clip in torch.split(patches.float(), counts):
            changes.append(torch.cat([torch.zeros_like(clip[:1]), clip[1:] - clip[:-1]]).abs().amax(dim=1))
        return torch.cat([mean, torch.cat(changes)], dim=1)

    def forward(self, tokens: torch.Tensor, patches: torch.Tensor | None = None,
                counts: list[int] | None = None) -> torch.Tensor:
        """The vision tokens (and patches) of the clips of a batch → (steps, types) logits."""
        counts = counts or [len(tokens)]
        x = nn.functional.gelu(self.project(self.norm(self.step_features(tokens, patches, counts))))
        clips = []
        for clip in torch.split(x, counts):
            h = clip.T[None]
            for conv in self.convs:
                h = h + nn.functional.gelu(conv(h))
            clips.append(h[0].T)
        return self.linear(torch.cat(clips))


@dataclass
class HeadSettings:
    """How a head's probabilities become detections: per type, a threshold and the least gap between two (frames)."""

    thresholds: list[float]
    gaps: list[int]


def save_head(head: EventHead, types: list[str], settings: HeadSettings | None, folder: str | Path) -> Path:
    path = Path(folder) / AUX_FILE
    torch.save({"format": FORMAT, "spec": head.spec(), "types": list(types),
                "weights": {k: v.detach().cpu() for k, v in head.state_dict().items()},
                "thresholds": settings.thresholds if settings else None,
                "gaps": settings.gaps if settings else None}, path)
    return path


def load_head(folder: str | Path) -> tuple[EventHead, list[str], HeadSettings | None] | None:
    """The head saved in a model folder (None when there is none)."""
    path = Path(folder) / AUX_FILE
    if not path.exists():
        return None
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("format") != FORMAT:
        raise ValueError(f"{path}: an event head from an older version of shinobi-tools; fine-tune the model again "
                         "(or delete the file to decode with the text alone)")
    head = EventHead(**state["spec"])
    head.load_state_dict(state["weights"])
    head.eval()
    settings = HeadSettings(state["thresholds"], state["gaps"]) if state["thresholds"] else None
    return head, state["types"], settings
