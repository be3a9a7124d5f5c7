"""Decision settings of the auxiliary per-frame event head, tuned on held-out clips for event-level F1.

Per event type, the threshold and the least gap between two detections (in frames) that give the best pooled
F1 of the head's peaks against the clips' true onsets, matched one to one within the tolerance the
evaluation uses — the same peaks :mod:`shinobi_tools.models.vlm.decoding` makes at annotation time.
"""

from __future__ import annotations

import numpy as np
import torch

from shinobi_tools.models.peaks import PeakSettings, tune_peaks
from shinobi_tools.models.vlm.batch import ClipDataset, collate_examples
from shinobi_tools.models.vlm.decoding import frame_onsets
from shinobi_tools.models.vlm.head import HeadSettings

#: Gaps (frames) tried; a type without true events in the clips keeps the default settings.
GAPS = (1, 2, 3)
DEFAULT = PeakSettings(threshold=0.5, gap=1)


def best_settings(probabilities: list[np.ndarray], onsets: list[list[np.ndarray]], fps: float,
                  tolerance: float) -> HeadSettings:
    """Per type (column), the threshold and gap with the best pooled F1 over the clips
    (:func:`shinobi_tools.models.peaks.tune_peaks`, the head's peaks read as :func:`peak_onsets` reads them).

    ``probabilities[c]``: frames × types of clip ``c``, sampled at ``fps`` from its start; ``onsets[c][k]``: the
    true onsets of type ``k`` in it.
    """
    n_types = probabilities[0].shape[1] if probabilities else 0
    tuned = [tune_peaks([p[:, k] for p in probabilities], [o[k] for o in onsets], lambda index: frame_onsets(index, fps),
                        GAPS, tolerance, DEFAULT) for k in range(n_types)]
    return HeadSettings([t.threshold for t in tuned], [t.gap for t in tuned])


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
