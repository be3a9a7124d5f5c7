"""From an event network's per-frame probabilities to events with durations and confidences.

Per type: onset peaks (:func:`.peaks.pick_peaks`, threshold and gap tuned for F1 on validation runs), each
lasting while the type's *active* probability stays above its own threshold (tuned for the span IoU of the matched
events); types the training saw only as instants last 0 s. Confidence = the peak's onset probability. Both the
spotter and the video LLM's fast pathway decide this way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shinobi_tools.evaluation.metrics import match_onsets
from shinobi_tools.models.peaks import PeakSettings, pick_peaks, tune_peaks

#: Active thresholds tried when tuning durations.
ACTIVE_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


@dataclass
class Detection:
    onset: float          # s
    duration: float       # s
    trial_type: str
    confidence: float     # the peak's onset probability
    frame: int            # index in the probability series


@dataclass
class Detector:
    """Per-type decision settings: ``gaps`` in seconds; ``durations``: the median training duration of each type
    (0 = instantaneous, and the fallback when the active probability is low at the peak)."""

    types: list[str]
    durations: list[float]
    thresholds: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    active_thresholds: list[float] = field(default_factory=list)
    validation: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.types)
        self.thresholds = self.thresholds or [0.5] * n
        self.gaps = self.gaps or [0.2] * n
        self.active_thresholds = self.active_thresholds or [0.5] * n

    def detect(self, probabilities: np.ndarray, times: np.ndarray, fps: float,
               kinds: list[str] | None = None) -> list[Detection]:
        """Events of ``kinds`` (default all) from (T, types) onset or (T, 2 × types) onset + active probabilities
        at ``times`` (s), ``fps`` series frames per second."""
        n = len(self.types)
        out = []
        for c, kind in enumerate(self.types):
            if kinds is not None and kind not in kinds:
                continue
            gap = max(1, round(self.gaps[c] * fps))
            frames, scores = pick_peaks(probabilities[:, c], self.thresholds[c], gap)
            active = probabilities[:, n + c] if probabilities.shape[1] >= 2 * n else None
            for j, (k, score) in enumerate(zip(frames, scores)):
                limit = int(frames[j + 1]) if j + 1 < len(frames) else len(probabilities)
                duration = self._duration(active, int(k), c, fps, limit)
                out.append(Detection(float(times[k]), duration, kind, float(score), int(k)))
        return sorted(out, key=lambda d: (d.onset, d.trial_type))

    def _duration(self, active: np.ndarray | None, k: int, c: int, fps: float, limit: int) -> float:
        if self.durations[c] <= 0:
            return 0.0
        if active is None or active[k] < self.active_thresholds[c]:
            return float(self.durations[c])
        end = k
        while end + 1 < min(len(active), limit) and active[end + 1] >= self.active_thresholds[c]:
            end += 1
        return (end + 1 - k) / fps

    def tune(self, series: list[tuple[np.ndarray, np.ndarray, float]], truths: list, tolerance: float,
             gaps_s=(0.1, 0.2, 0.35, 0.5, 1.0, 2.0)) -> None:
        """Tune every type on validation runs: ``series`` = (probabilities, times, fps) per run, ``truths`` = its
        events table (onset, duration, trial_type)."""
        fps = series[0][2] if series else 30.0
        gaps = sorted({max(1, round(g * fps)) for g in gaps_s})
        for c, kind in enumerate(self.types):
            onsets = [t.loc[t["trial_type"] == kind, "onset"].to_numpy(float) for t in truths]
            settings = tune_peaks([p[:, c] for p, _, _ in series], onsets, lambda index: index / fps, gaps,
                                  tolerance, PeakSettings(0.5, max(1, round(0.2 * fps))))
            self.thresholds[c], self.gaps[c] = settings.threshold, settings.gap / fps
            self.validation[kind] = {"val_f1": settings.val_f1, "val_events": settings.val_events}
            if self.durations[c] <= 0 or not settings.val_events or series[0][0].shape[1] < 2 * len(self.types):
                continue
            ious = []
            for a in ACTIVE_THRESHOLDS:
                self.active_thresholds[c] = a
                ious.append(np.mean([iou for (p, times, f), truth in zip(series, truths)
                                     for iou in matched_ious(self.detect(p, times, f, [kind]),
                                                             truth[truth["trial_type"] == kind], tolerance)]
                                    or [0.0]))
            self.active_thresholds[c] = float(ACTIVE_THRESHOLDS[int(np.argmax(ious))])
            self.validation[kind]["val_iou"] = round(float(max(ious)), 4)

    def state(self) -> dict:
        return {"types": self.types, "durations": self.durations, "thresholds": self.thresholds,
                "gaps": self.gaps, "active_thresholds": self.active_thresholds, "validation": self.validation}

    @classmethod
    def from_state(cls, state: dict) -> Detector:
        return cls(list(state["types"]), [float(d) for d in state["durations"]], list(state["thresholds"]),
                   list(state["gaps"]), list(state["active_thresholds"]), dict(state.get("validation") or {}))


def median_durations(events, types: list[str]) -> list[float]:
    """Per type, the median duration (s) of its events in ``events`` (0 without any)."""
    out = []
    for kind in types:
        rows = events[events["trial_type"] == kind]
        value = float(rows["duration"].median()) if len(rows) else 0.0
        out.append(0.0 if np.isnan(value) else value)
    return out


def matched_ious(found: list[Detection], truth, tolerance: float) -> list[float]:
    """Span IoU of each detection matched to a true event (one to one, within ``tolerance`` of its onset)."""
    t_on, t_dur = truth["onset"].to_numpy(float), truth["duration"].to_numpy(float)
    p_on = np.array([d.onset for d in found])
    p_dur = np.array([d.duration for d in found])
    matching = match_onsets(t_on, p_on, tolerance)
    out = []
    for i, j in zip(matching.truth, matching.pred):
        a0, a1, b0, b1 = t_on[i], t_on[i] + t_dur[i], p_on[j], p_on[j] + p_dur[j]
        union = max(a1, b1) - min(a0, b0)
        out.append(max(0.0, min(a1, b1) - max(a0, b0)) / union if union > 0 else 1.0)
    return out
