"""One video's annotation as a sequence of pooled generation requests (:mod:`shinobi_tools.models.vlm.pool`).

The free-text pass asks for an answer per window (none with ``head`` decoding); once the last is in, the decoding
checks the written events with the model's event head, and the head's detections that need the language model's
words ask for a description in the window that shows them; once those are in, the video's :class:`Annotation` is
ready. Windows of the next videos fill the batches meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from shinobi_tools.errors import ConfigError, InputError
from shinobi_tools.models.vlm.decoding import DECODINGS, FrameSeries, Peak, check_events, head_peaks
from shinobi_tools.models.vlm.detections import Annotation, Detection, events_table, merge_detections, window_detections
from shinobi_tools.models.vlm.frames import time_marker
from shinobi_tools.models.vlm.generate import iter_windows, parse_lines
from shinobi_tools.models.vlm.model import VLM
from shinobi_tools.models.vlm.pool import GenerationPool


@dataclass
class Settings:
    """How a model annotates: its training settings unless overridden (see ``annotate_video``)."""

    fps: float
    width: int
    height: int
    window_seconds: float
    overlap: float
    decoding: str
    tolerance: float
    describe: str
    marker: str
    prompt: str
    max_new_tokens: int
    #: Every type of the event head, and those the language model was trained to write.
    types: list[str]
    written: list[str]
    #: Onsets move back by this (s): snapped training answers name the first frame showing an event.
    shift: float

    @property
    def frames(self) -> dict:
        return dict(fps=self.fps, width=self.width, height=self.height, seconds=self.window_seconds,
                    overlap=self.overlap)


def settings_for(vlm: VLM, window_seconds: float | None = None, overlap: float | None = None, tolerance: float = 0.5,
                 max_new_tokens: int | None = None, prompt: str | None = None, fps: float | None = None,
                 decoding: str | None = None, describe: str = "reuse") -> Settings:
    fast = getattr(vlm, "fast", None)
    decoding = decoding or ("head" if fast is not None else "assisted")
    if decoding not in DECODINGS:
        raise ConfigError(f"decoding must be one of {', '.join(DECODINGS)}, not {decoding!r}")
    if decoding == "head" and fast is None:
        raise ConfigError("decoding 'head' needs a model with a fast pathway (fast.enabled in its fine-tuning config)")
    if fast is None and (vlm.aux_head is None or vlm.aux_settings is None):
        decoding = "text"
    meta = vlm.meta
    fps = fps or meta.get("fps", 4.0)
    window_seconds = window_seconds or meta.get("clip_seconds", 4.0)
    # Overlapping windows help a low-rate head (its series is averaged over them); a fast pathway reads the whole
    # video at once, and the text alone scored the same without overlap at a quarter less generation (BENCHMARKS).
    overlap = (0.0 if fast is not None else 1.0) if overlap is None else overlap
    types = meta.get("event_types", [])
    return Settings(
        fps=fps, width=meta.get("width", 160), height=meta.get("height", 112), window_seconds=window_seconds,
        overlap=min(overlap, window_seconds / 2), decoding=decoding, tolerance=tolerance, describe=describe,
        marker=meta.get("time_marker", "{t}s"),
        prompt=prompt or meta.get("prompt", "List the gameplay events in this clip with their times."),
        max_new_tokens=max_new_tokens or (round(1.25 * meta["answer_tokens"]) + 8 if "answer_tokens" in meta else 128),
        types=types, written=meta.get("answer_types") or types,
        shift=0.5 / fps if meta.get("snapped_times") else 0.0)


class _Countdown:
    """Calls ``then()`` once every request added has answered and no more will be (``close``)."""

    def __init__(self, then: Callable[[], None]) -> None:
        self.then, self.waiting, self.closed = then, 0, False

    def add(self) -> None:
        self.waiting += 1

    def done(self) -> None:
        self.waiting -= 1
        self._check()

    def close(self) -> None:
        self.closed = True
        self._check()

    def _check(self) -> None:
        if self.closed and self.waiting == 0:
            self.closed = False  # fire once
            self.then()


class VideoJob:
    """Annotates ``video``; ``finished(job)`` is called once ``job.result`` is set, or ``job.error`` (the video
    cannot be read to its end: its requests still queued are dropped, those in a batch being generated ignored)."""

    def __init__(self, video: str | Path, vlm: VLM, settings: Settings, pool: GenerationPool,
                 finished: Callable[[VideoJob], None]) -> None:
        self.video, self.vlm, self.s, self.pool, self.finished = video, vlm, settings, pool, finished
        self.result: Annotation | None = None
        self.error: InputError | None = None
        self.counts = dict(malformed=0, rejected=0, proposed=0, windows=0)
        self.text_detections: list[Detection] = []
        self.text_events: list[Detection] = []
        self.series = FrameSeries(len(settings.types))
        self.starts: list[float] = []
        self.video_seconds = 0.0

    def start(self) -> None:
        """Queue the free-text pass (the rest follows from the callbacks)."""
        self.began = time.perf_counter()
        try:
            self._text_pass()
        except InputError as error:
            self._fail(error)

    def _text_pass(self) -> None:
        fast = self.vlm.fast
        self.fast_run = fast.run(self.video) if fast is not None else None
        answered = _Countdown(self._after_text)
        for window in iter_windows(self.video, **self.s.frames):
            self.starts.append(window.start)
            self.video_seconds = max(self.video_seconds, window.start + len(window.times) / self.s.fps)
            self.counts["windows"] += 1
            if self.s.decoding != "head":  # head decoding: no free text, the windows only place the descriptions
                answered.add()
                self.pool.answer(window, self.fast_run, partial(self._answered, window, answered), self)
        answered.close()

    def _answered(self, window, answered: _Countdown, answer: str, frame_probabilities, likelihoods) -> None:
        if self.error is not None:
            return
        parsed, malformed = parse_lines(answer, likelihoods)
        self.counts["malformed"] += malformed
        self.text_detections.extend(window_detections(window, parsed, self.s.fps, self.s.shift))
        if frame_probabilities is not None:
            self.series.add(int(round(window.start * self.s.fps)), frame_probabilities)
        answered.done()

    def _after_text(self) -> None:
        try:
            self._decode()
        except InputError as error:  # the description pass reads the video again
            self._fail(error)

    def _decode(self) -> None:
        # Overlapping windows report an event twice, on the same frame or the next one.
        self.text_events = merge_detections(self.text_detections, 1.0 / self.s.fps + 1e-6)
        if self.s.decoding == "text":
            self._finish(self.text_events)
        elif self.vlm.fast is not None:
            self._fast_decoding()
        else:
            settings, types = self.vlm.aux_settings, self.s.types
            peaks = head_peaks(self.series.mean(), self.s.fps, types, settings.thresholds, settings.gaps, types)
            events, unmatched, self.counts["rejected"] = check_events(self.text_events, peaks, types,
                                                                      self.s.tolerance)
            if self.s.decoding != "assisted":
                self._finish(events)
                return
            missing = [p for p in unmatched if p.trial_type in self.s.written]
            self.counts["proposed"] = len(missing)
            self._describe(missing, lambda described: self._finish(events + described))

    def _fast_decoding(self) -> None:
        """``checked`` / ``assisted`` / ``head`` decoding with the fast pathway's event head: its detections (every
        type, with durations and confidences) check the written events, which take the detection's onset, duration
        and confidence; ``assisted`` and ``head`` add the detections the text left out, described by the language
        model for the types it writes (``describe``), by the type's usual training description otherwise."""
        fast, fps = self.vlm.fast, self.s.fps
        found = fast.detect(self.fast_run)
        by_time = {(d.trial_type, round(d.onset, 6)): d for d in found}
        # A peak's frame on the detailed frame grid: the first detailed frame showing it (what the text's times name).
        peaks = [Peak(int(np.ceil(d.onset * fps - 1e-6)), d.onset, d.trial_type, d.confidence) for d in found]
        kept, unmatched, self.counts["rejected"] = check_events(self.text_events, peaks, fast.types, self.s.tolerance)

        def timed(e: Detection) -> Detection:
            d = by_time.get((e.trial_type, round(e.onset, 6)))
            return e if d is None else replace(e, offset=e.onset + d.duration, confidence=d.confidence)

        events = [timed(e) for e in kept]
        if self.s.decoding not in ("assisted", "head"):
            self._finish(events)
            return
        self.counts["proposed"] = len(unmatched)
        to_describe = [p for p in unmatched if p.trial_type in self.s.written]
        usual = [Detection(p.time, p.time, p.trial_type, fast.descriptions.get(p.trial_type, p.trial_type), 0.0)
                 for p in unmatched if p.trial_type not in self.s.written]

        def complete(described: list[Detection]) -> None:
            self._finish(events + [timed(e) for e in described + usual])

        if self.s.describe == "lm" or self.s.decoding == "head":
            self._describe(to_describe, complete)
        else:
            complete([Detection(p.time, p.time, p.trial_type, _nearest_description(self.text_detections, p)
                                or fast.descriptions.get(p.trial_type, p.trial_type), 0.0) for p in to_describe])

    def _describe(self, peaks: list[Peak], then: Callable[[list[Detection]], None]) -> None:
        """Detections of the head described by the language model: a second pass over the windows, where each peak
        is continued (``<time> <type>:``) in the window that shows it farthest from its edges."""
        out: list[Detection] = []
        described = _Countdown(lambda: then(out))
        if peaks:
            length, fps = self.s.window_seconds, self.s.fps
            home: dict[int, list[Peak]] = {}
            for p in peaks:
                t = p.frame / fps
                best = max(range(len(self.starts)), key=lambda j: min(t - self.starts[j], self.starts[j] + length - t))
                home.setdefault(best, []).append(p)

            def write(p: Peak, text: str) -> None:
                out.append(Detection(p.time, p.time, p.trial_type, text or p.trial_type, 0.0))
                described.done()

            for j, window in enumerate(iter_windows(self.video, **self.s.frames)):
                if j > max(home):  # no detection to describe in the rest of the video
                    break
                for p in home.get(j, []):
                    described.add()
                    prefix = f"{time_marker(p.frame / fps - window.start, self.s.marker)} {p.trial_type}:"
                    self.pool.describe(window, prefix, self.fast_run, partial(write, p), self)
        described.close()

    def _finish(self, events: list[Detection]) -> None:
        if self.error is not None:
            return
        events = sorted(events, key=lambda d: (d.onset, d.trial_type))
        self.result = Annotation(events_table(events), events_table(self.text_events), **self.counts,
                                 merged=len(self.text_detections) - len(self.text_events),
                                 seconds=time.perf_counter() - self.began, video_seconds=self.video_seconds)
        self.fast_run = None  # the whole video's fast features: free them now
        self.finished(self)

    def _fail(self, error: InputError) -> None:
        self.error, self.fast_run = error, None
        self.pool.drop(self)
        self.finished(self)


def _nearest_description(lines: list[Detection], peak: Peak) -> str | None:
    """The description of the written event of the peak's type nearest to it (None when the text wrote none)."""
    same = [d for d in lines if d.trial_type == peak.trial_type and d.description]
    return min(same, key=lambda d: abs(d.onset - peak.time)).description if same else None
