"""Generation requests of many videos answered together, so batches stay full across video boundaries.

Two kinds of request: a window to answer (the free-text pass) and a detection to describe (a ``<time> <type>:``
continuation, one line). Each kind is queued apart (they differ in length limit and stopping) and generated
``batch_size`` at a time, windows of any videos side by side, each with its own video's fast tokens; every request
names a callback that receives its result. Callbacks may queue further requests (a video whose last window is
answered asks for its descriptions); :meth:`GenerationPool.flush` runs until both queues are empty. Each request
names its owner (a video's job), whose requests still queued :meth:`GenerationPool.drop` removes.
"""

from __future__ import annotations

from collections.abc import Callable

from shinobi_tools.models.vlm.decoding import first_line
from shinobi_tools.models.vlm.generate import Window, generate_answers

DESCRIPTION_TOKENS = 32


class GenerationPool:
    def __init__(self, vlm, prompt: str, marker: str, max_new_tokens: int, batch_size: int,
                 stop_loops: bool = False) -> None:
        self.vlm, self.prompt, self.marker = vlm, prompt, marker
        self.max_new_tokens, self.batch_size, self.stop_loops = max_new_tokens, batch_size, stop_loops
        self._answers: list[tuple[Window, object, Callable, object]] = []
        self._descriptions: list[tuple[Window, str, object, Callable, object]] = []
        #: Generation calls made and requests they answered (mean fill = requests / batches).
        self.batches = self.requests = 0

    def answer(self, window: Window, fast_run, done: Callable, owner: object = None) -> None:
        """Queue a window for the free-text pass; ``done(answer, frame_probabilities, line_likelihoods)``."""
        self._answers.append((window, fast_run, done, owner))
        if len(self._answers) >= self.batch_size:
            self._answer_batch()

    def describe(self, window: Window, prefix: str, fast_run, done: Callable, owner: object = None) -> None:
        """Queue the continuation of ``prefix`` in ``window``; ``done(first line of the continuation)``."""
        self._descriptions.append((window, prefix, fast_run, done, owner))
        if len(self._descriptions) >= self.batch_size:
            self._describe_batch()

    def drop(self, owner: object) -> None:
        """Forget the queued requests of ``owner`` (a video that cannot be annotated)."""
        self._answers = [r for r in self._answers if r[-1] is not owner]
        self._descriptions = [r for r in self._descriptions if r[-1] is not owner]

    def flush(self) -> None:
        """Answer every queued request, and those their callbacks queue."""
        while self._answers or self._descriptions:
            if self._answers:
                self._answer_batch()
            else:
                self._describe_batch()

    def _answer_batch(self) -> None:
        batch, self._answers = self._answers[:self.batch_size], self._answers[self.batch_size:]
        likelihoods: list = []
        answers, probabilities = generate_answers(
            self.vlm, [w for w, _, _, _ in batch], self.prompt, self.marker, self.max_new_tokens,
            fast_runs=[run for _, run, _, _ in batch], line_confidences=likelihoods, stop_loops=self.stop_loops)
        likelihoods += [[] for _ in range(len(batch) - len(likelihoods))]
        self._count(batch)
        for (_, _, done, _), answer, frame_probabilities, lines in zip(batch, answers, probabilities, likelihoods):
            done(answer, frame_probabilities, lines)

    def _describe_batch(self) -> None:
        batch, self._descriptions = self._descriptions[:self.batch_size], self._descriptions[self.batch_size:]
        texts, _ = generate_answers(self.vlm, [w for w, _, _, _, _ in batch], self.prompt, self.marker,
                                    DESCRIPTION_TOKENS, [p for _, p, _, _, _ in batch],
                                    [run for _, _, run, _, _ in batch], stop_at_newline=True)
        self._count(batch)
        for (_, _, _, done, _), text in zip(batch, texts):
            done(first_line(text))

    def _count(self, batch: list) -> None:
        self.batches += 1
        self.requests += len(batch)
