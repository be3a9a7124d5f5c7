"""Per-type decision thresholds of the auxiliary per-frame event head, chosen on held-out clips."""

from __future__ import annotations

import numpy as np
import torch

from .batch import ClipDataset, collate_examples

#: Thresholds tried; a type without positives in the clips keeps DEFAULT_THRESHOLD.
GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)
DEFAULT_THRESHOLD = 0.5


def best_thresholds(probabilities: np.ndarray, targets: np.ndarray) -> list[float]:
    """For each column, the threshold of GRID with the best frame-level F1 (ties: the highest threshold)."""
    chosen = []
    for k in range(targets.shape[1]):
        positives = targets[:, k] > 0.5
        if not positives.any():
            chosen.append(DEFAULT_THRESHOLD)
            continue
        scores = []
        for threshold in GRID:
            predicted = probabilities[:, k] >= threshold
            tp = float((predicted & positives).sum())
            scores.append(2 * tp / max(float(predicted.sum() + positives.sum()), 1.0))
        best = max(scores)
        chosen.append(float(max(t for t, f in zip(GRID, scores) if f == best)))
    return chosen


@torch.no_grad()
def aux_thresholds(vlm, base, dataset: ClipDataset, captured: list, accelerator, batch_size: int = 8) -> list[float]:
    """Thresholds of ``vlm.aux_head`` from its probabilities on every clip of ``dataset`` (vision encoder only;
    ``captured`` is filled by the forward hook on the family's feature module)."""
    family, head = vlm.family, vlm.aux_head
    pad_id = vlm.tokenizer.pad_token_id if vlm.tokenizer.pad_token_id is not None else vlm.tokenizer.eos_token_id
    was_training = base.training
    base.eval()
    probabilities, targets = [], []
    for start in range(0, len(dataset), batch_size):
        examples = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
        batch, target, counts = collate_examples(examples, family, pad_id)
        batch = {k: v.to(accelerator.device) for k, v in batch.items()}
        captured.clear()
        with accelerator.autocast():
            family.encode_images(base, batch)
        logits = head(family.step_features(captured[-1], batch), counts)
        probabilities.append(torch.sigmoid(logits).float().cpu().numpy())
        targets.append(target.numpy())
    base.train(was_training)
    return best_thresholds(np.concatenate(probabilities), np.concatenate(targets))
