"""The fast tokens on the language model's side: the projector into its embedding space, the ``<fast>``
placeholder, the hook that puts the projected features in its place, and the QA clips' token source."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from shinobi_tools.dataset.splits import run_path
from shinobi_tools.errors import InputError

FAST_TOKEN = "<fast>"


class FastProjector(nn.Module):
    """Fast-frame features (hidden state + onset/active logits) → the language model's embedding space.

    With ``names`` (types × embedding width; :func:`type_name_embeddings`), a fast token also carries the language
    model's own embedding of each type's name, weighted by the head's onset probability of that type."""

    def __init__(self, in_features: int, out_features: int, names: torch.Tensor | None = None,
                 hidden: int | None = None) -> None:
        super().__init__()
        self.in_features, self.out_features, self.hidden = in_features, out_features, hidden
        self.norm = nn.LayerNorm(in_features)
        self.linear = nn.Linear(in_features, out_features)
        nn.init.normal_(self.linear.weight, std=0.02)
        nn.init.zeros_(self.linear.bias)
        self.register_buffer("names", names.float().clone() if names is not None else torch.zeros(0, out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(self.norm(x.float()))
        if len(self.names):
            onsets = torch.sigmoid(x.float()[:, self.hidden: self.hidden + len(self.names)])
            out = out + onsets @ self.names
        return out


def type_name_embeddings(vlm, types: list[str]) -> torch.Tensor:
    """Per type, the language model's input embedding of the first token of `` <type>`` (as answers write it)."""
    embeddings = vlm.model.get_input_embeddings().weight.detach()
    return torch.stack([embeddings[vlm.family.text_ids(f" {kind}")[0]] for kind in types]).float()


def add_fast_token(vlm) -> int:
    """Add the ``<fast>`` placeholder to the tokenizer and the model's embeddings (once); return its id."""
    tokenizer = vlm.tokenizer
    if FAST_TOKEN not in tokenizer.get_vocab():
        tokenizer.add_special_tokens({"additional_special_tokens": [FAST_TOKEN]}, replace_extra_special_tokens=False)
    token_id = tokenizer.convert_tokens_to_ids(FAST_TOKEN)
    if vlm.model.get_input_embeddings().num_embeddings <= token_id:
        vlm.model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    return token_id


class FastInjector:
    """A forward hook on the language model's input embeddings: the rows of ``<fast>`` placeholders take the
    projected features given with :meth:`set` (in order of appearance, batch row by row)."""

    def __init__(self, model: nn.Module, token_id: int) -> None:
        self.token_id = token_id
        self.values: torch.Tensor | None = None
        self.handle = model.get_input_embeddings().register_forward_hook(self._hook)

    def set(self, values: torch.Tensor | None) -> None:
        self.values = values

    def _hook(self, module, args, output):
        mask = args[0] == self.token_id
        if not bool(mask.any()):
            return output
        if self.values is None or int(mask.sum()) != len(self.values):
            raise ValueError(f"{int(mask.sum())} fast placeholders but "
                             f"{0 if self.values is None else len(self.values)} fast tokens given")
        output = output.clone()
        output[mask] = self.values.to(output.dtype)
        return output

    def remove(self) -> None:
        self.handle.remove()


class ClipSource:
    """Fast features of QA clips: from the clip's source run when the clip was cut by the workflow
    (``<clips>/<run>.json`` gives its first frame; the run's video is found in ``video_dir``), whole runs
    computed once; otherwise from the clip file itself."""

    def __init__(self, pathway, video_dir: str | Path | None, runs: dict | None = None) -> None:
        """``pathway``: a :class:`.pathway.FastPathway`; ``runs``: video path → its FastRun, already computed."""
        self.pathway, self.video_dir = pathway, Path(video_dir) if video_dir else None
        self._runs = dict(runs or {})
        self._origins: dict[Path, tuple[str, float] | None] = {}
        self._records: dict[Path, dict] = {}

    def _origin(self, video: Path) -> tuple[str, float] | None:
        """(run video, clip start in s) of a clip cut by the workflow, else None."""
        if video in self._origins:
            return self._origins[video]
        origin = None
        records_file = video.parent.with_suffix(".json")
        if self.video_dir is not None and records_file.exists():
            if records_file not in self._records:
                self._records[records_file] = {r["id"]: r for r in json.loads(records_file.read_text())}
            record = self._records[records_file].get(video.stem)
            try:
                run_video = run_path(self.video_dir, video.parent.name, ".mp4")
            except InputError:
                run_video = None
            if record is not None and run_video is not None:
                origin = (str(run_video), int(record["frame_start"]) / float(record["fps"]))
        self._origins[video] = origin
        return origin

    def run_of(self, video: str | Path):
        """The FastRun the clip's tokens come from and the clip's start in it (s)."""
        video = Path(video)
        key, start = self._origin(video) or (str(video), 0.0)
        if key not in self._runs:
            self._runs[key] = self.pathway.run(key)
        return self._runs[key], start

    def __call__(self, video: str | Path, times: np.ndarray, period: float) -> torch.Tensor:
        """The fast tokens' features of a clip whose detailed frames are at ``times`` (s from the clip start)."""
        run, start = self.run_of(video)
        return self.pathway.tokens(run, np.asarray(times) + start, period)
