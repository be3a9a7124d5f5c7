"""Decision settings of the auxiliary per-frame event head, tuned on held-out clips for event-level F1.

Per event type, the threshold and the least gap between two detections (in frames) that give the best pooled
F1 of the head's peaks against the clips' true onsets, matched one to one within the tolerance the
evaluation uses — the same peaks :mod:`shinobi_tools.vlm.decoding` makes at annotation time.
"""

from __future__ import annotations

import numpy as np
import torch

from ..metrics import match_onsets
from .batch import ClipDataset, collate_examples
from .decoding import peak_onsets
from .head import HeadSettings

#: Thresholds and gaps (frames) tried; a type without true events in the clips keeps the defaults.
GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)
GAPS = (1, 2, 3)
DEFAULT_THRESHOLD = 0.5
DEFAULT_GAP = 1


def best_settings(probabilities: list[np.ndarray], onsets: list[list[np.ndarray]], fps: float,
                  tolerance: float) -> HeadSettings:
    """Per type (column), the threshold and gap with the best pooled F1 over the clips.

    ``probabilities[c]``: frames × types of clip ``c``, sampled at ``fps`` from its start; ``onsets[c][k]``: the
    true onsets of type ``k`` in it. Ties: the largest gap, then the middle of the best thresholds.
    """
    n_types = probabilities[0].shape[1] if probabilities else 0
    thresholds, gaps = [], []
    for k in range(n_types):
        n_true = sum(len(o[k]) for o in onsets)
        if n_true == 0:
            thresholds.append(DEFAULT_THRESHOLD)
            gaps.append(DEFAULT_GAP)
            continue
        f1 = np.zeros((len(GAPS), len(GRID)))
        for g, gap in enumerate(GAPS):
            for i, threshold in enumerate(GRID):
                tp = n_pred = 0
                for p, o in zip(probabilities, onsets):
                    found = peak_onsets(p[:, k], fps, float(threshold), gap)[1]
                    tp += len(match_onsets(o[k], found, tolerance).truth)
                    n_pred += len(found)
                f1[g, i] = 2 * tp / (n_true + n_pred)
        g = int(np.flatnonzero(f1.max(axis=1) >= f1.max() - 1e-9)[-1])
        best = np.flatnonzero(f1[g] >= f1[g].max() - 1e-9)
        thresholds.append(float(GRID[best[len(best) // 2]]))
        gaps.append(GAPS[g])
    return HeadSettings(thresholds, gaps)


@torch.no_grad()
def tune_head(vlm, base, dataset: ClipDataset, capture, accelerator, tolerance: float = 0.5,
              batch_size: int = 8) -> HeadSettings:
    """Settings of ``vlm.aux_head`` from its probabilities on every clip of ``dataset`` (vision encoder only;
    ``capture``: the :class:`shinobi_tools.vlm.family.VisionCapture` on ``base``)."""
    family, head = vlm.family, vlm.aux_head
    pad_id = vlm.tokenizer.pad_token_id if vlm.tokenizer.pad_token_id is not None else vlm.tokenizer.eos_token_id
    was_training = base.training
    base.eval()
    probabilities, onsets = [], []
    for start in range(0, len(dataset), batch_size):
        examples = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
        batch, _, counts = collate_examples(examples, family, pad_id)
        batch = {k: v.to(accelerator.device) for k, v in batch.items()}
        capture.clear()
        with accelerator.autocast():
            family.encode_images(base, batch)
        steps = torch.sigmoid(head(*capture.inputs(batch), counts)).float().cpu().numpy()
        first = 0
        for example, n in zip(examples, counts):
            probabilities.append(example.frame_values(steps[first:first + n]))
            onsets.append([example.onsets(kind) for kind in dataset.types])
            first += n
    base.train(was_training)
    return best_settings(probabilities, onsets, dataset.frames.fps, tolerance)
