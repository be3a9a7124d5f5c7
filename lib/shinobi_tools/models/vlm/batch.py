"""Examples from QA records (frames sampled, prompt rendered, labels masked) and their batching."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from shinobi_tools.models.vlm.config import DataConfig, FramesConfig
from shinobi_tools.models.vlm.data import QARecord, frame_values, onset_targets, step_targets
from shinobi_tools.models.vlm.family import Family
from shinobi_tools.models.vlm.frames import sample_frames
from shinobi_tools.models.vlm.prompt import IGNORE, Encoded, encode
from shinobi_tools.models.vlm.targets import shape_messages


@dataclass
class Example:
    encoded: Encoded
    #: steps × event types (auxiliary head targets: event onsets).
    aux_targets: torch.Tensor
    #: Time of each sampled frame (s from the clip start) and the clip's events (clip-relative times).
    times: np.ndarray
    events: list[dict]

    def frame_values(self, steps: np.ndarray) -> np.ndarray:
        """frames × types from this example's steps × types (e.g. the head's probabilities)."""
        return frame_values(steps, self.encoded.steps)

    def onsets(self, trial_type: str) -> np.ndarray:
        """Onsets (s) of this clip's events of one type that a sampled frame shows."""
        last = self.times[-1] if len(self.times) else -1.0
        return np.array([float(e["onset"]) for e in self.events
                         if e["trial_type"] == trial_type and float(e["onset"]) <= last + 1e-6])


class ClipDataset(torch.utils.data.Dataset):
    """One example per QA record: the clip's frames at ``frames.fps`` and the whole conversation.

    With ``frames.jitter`` = n > 1, :meth:`example` can start the sampling at n phases within the first frame
    period (training sees n different frame sets per clip: the events fall at other places between frames).
    Examples are kept in memory (pixels as float16) up to ``frames.cache_mb``, so repeated clips cost neither
    decoding nor resizing.
    """

    def __init__(self, records: list[QARecord], family: Family, frames: FramesConfig, types: list[str],
                 data: DataConfig | None = None, fast=None) -> None:
        """``fast``: ``(token id, tokens per step, source)`` where ``source(video, step_times, period)`` gives a
        clip's fast-token features (:class:`shinobi_tools.models.vlm.fast.tokens.ClipSource`); None = no fast tokens."""
        self.records, self.family, self.frames, self.types = records, family, frames, types
        self.fast = fast
        self.data = data or DataConfig()
        self.phases = max(1, int(frames.jitter))
        self._cache: dict[tuple[int, int], Example] = {}
        self._cached_bytes = 0

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> Example:
        return self.example(index, 0)

    def example(self, index: int, phase: int = 0) -> Example:
        key = (index, phase % self.phases)
        if key not in self._cache:
            example = self._build(*key)
            size = sum(t.numel() * 2 for t in example.encoded.pixels.values() if t.is_floating_point())
            if self._cached_bytes + size > self.frames.cache_mb * 2**20:
                return example
            self._cache[key] = _with_pixels(example, torch.float16)
            self._cached_bytes += size
        return _with_pixels(self._cache[key], torch.float32)

    def _build(self, index: int, phase: int) -> Example:
        record, f = self.records[index], self.frames
        sample = sample_frames(record.video, f.fps * self.phases, f.width, f.height)
        frames, times = sample.frames[phase:: self.phases], sample.times[phase:: self.phases]
        messages = shape_messages(record.messages, record.events, times, self.data, f.time_marker)
        fast = None
        if self.fast is not None:
            token_id, per_step, source = self.fast
            fast = (token_id, per_step, lambda step_times, period: source(record.video, step_times, period))
        encoded = encode(self.family, messages, frames, times, f.time_marker, self.data.max_length, fast=fast)
        targets = onset_targets(record.events, times, self.types)
        return Example(encoded, torch.from_numpy(step_targets(targets, encoded.steps)), times, record.events)


def _with_pixels(example: Example, dtype: torch.dtype) -> Example:
    """A shallow copy of ``example`` whose floating-point pixel tensors have ``dtype``."""
    pixels = {k: v.to(dtype) if v.is_floating_point() else v for k, v in example.encoded.pixels.items()}
    return replace(example, encoded=replace(example.encoded, pixels=pixels))


def collate(encoded: list[Encoded], family: Family, pad_id: int, padding_side: str = "right",
            token_types: bool = False) -> dict[str, torch.Tensor]:
    """Model inputs of a batch: padded ids / mask / labels (+ mm_token_type_ids) and the family's pixels."""
    longest = max(len(e.input_ids) for e in encoded)
    ids = torch.full((len(encoded), longest), pad_id, dtype=torch.long)
    labels = torch.full((len(encoded), longest), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(encoded), longest), dtype=torch.long)
    types = torch.zeros((len(encoded), longest), dtype=torch.long)
    for i, e in enumerate(encoded):
        n = len(e.input_ids)
        where = slice(longest - n, longest) if padding_side == "left" else slice(0, n)
        ids[i, where] = torch.tensor(e.input_ids)
        labels[i, where] = torch.tensor(e.labels)
        mask[i, where] = 1
        types[i, where] = torch.tensor(e.token_types)
    batch = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    if token_types:
        batch["mm_token_type_ids"] = types
    batch.update(family.collate_pixels([e.pixels for e in encoded]))
    return batch


def fast_features(encoded: list) -> torch.Tensor | None:
    """The fast tokens' features of a batch, in placeholder order (None when the examples have none)."""
    rows = [e.fast for e in encoded if e.fast is not None]
    return torch.cat(rows) if rows else None


def collate_examples(examples: list[Example], family: Family, pad_id: int) -> tuple[dict, torch.Tensor, list[int]]:
    """Model inputs, the auxiliary targets (steps × types) and the steps of each example."""
    batch = collate([e.encoded for e in examples], family, pad_id, "right", family.uses_token_types)
    return batch, torch.cat([e.aux_targets for e in examples]), [len(e.aux_targets) for e in examples]


def infinite_batches(dataset: ClipDataset, batch_size: int, weights: np.ndarray, seed: int, start_batch: int = 0):
    """Endless weighted sampling with replacement, each example at a random phase (see ClipDataset); batch ``b``
    depends only on (seed, b), so resume is exact."""
    probabilities = weights / weights.sum()
    b = start_batch
    while True:
        rng = np.random.default_rng([seed, b])
        chosen = rng.choice(len(dataset), size=batch_size, p=probabilities)
        phases = rng.integers(dataset.phases, size=batch_size)
        yield [dataset.example(int(i), int(k)) for i, k in zip(chosen, phases)]
        b += 1
