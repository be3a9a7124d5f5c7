"""Examples from QA records (frames sampled, prompt rendered, labels masked) and their batching."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .config import DataConfig, FramesConfig
from .data import QARecord, frame_targets, step_targets
from .family import Family
from .frames import sample_frames
from .prompt import IGNORE, Encoded, encode
from .targets import shape_messages


@dataclass
class Example:
    encoded: Encoded
    #: steps × event types (auxiliary head targets).
    aux_targets: torch.Tensor


class ClipDataset(torch.utils.data.Dataset):
    """One example per QA record: the clip's frames at ``frames.fps`` and the whole conversation."""

    def __init__(self, records: list[QARecord], family: Family, frames: FramesConfig, types: list[str],
                 data: DataConfig | None = None) -> None:
        self.records, self.family, self.frames, self.types = records, family, frames, types
        self.data = data or DataConfig()

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> Example:
        record = self.records[index]
        sample = sample_frames(record.video, self.frames.fps, self.frames.width, self.frames.height)
        marker = self.frames.time_marker
        messages = shape_messages(record.messages, record.events, sample.times, self.data, marker)
        encoded = encode(self.family, messages, sample.frames, sample.times, marker, self.data.max_length)
        targets = frame_targets(record.events, sample.times, self.types, 1.0 / self.frames.fps)
        return Example(encoded, torch.from_numpy(step_targets(targets, encoded.steps)))


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


def collate_examples(examples: list[Example], family: Family, pad_id: int) -> tuple[dict, torch.Tensor, list[int]]:
    """Model inputs, the auxiliary targets (steps × types) and the steps of each example."""
    batch = collate([e.encoded for e in examples], family, pad_id, "right", family.model_type == "qwen2_5_vl")
    return batch, torch.cat([e.aux_targets for e in examples]), [len(e.aux_targets) for e in examples]


def infinite_batches(dataset: ClipDataset, batch_size: int, weights: np.ndarray, seed: int, start_batch: int = 0):
    """Endless weighted sampling with replacement; batch ``b`` depends only on (seed, b), so resume is exact."""
    probabilities = weights / weights.sum()
    b = start_batch
    while True:
        rng = np.random.default_rng([seed, b])
        yield [dataset[int(i)] for i in rng.choice(len(dataset), size=batch_size, p=probabilities)]
        b += 1
