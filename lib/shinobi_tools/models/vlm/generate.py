"""Generation over windows of a video: the windows, the model's greedy answers with the fast tokens in the
prompt, each answer line's likelihood (the text's confidence) and the auxiliary head's per-frame probabilities."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from shinobi_tools.dataset.answers import AnswerEvent, parse_events
from shinobi_tools.models.vlm.batch import collate
from shinobi_tools.models.vlm.data import frame_values
from shinobi_tools.models.vlm.family import VisionCapture
from shinobi_tools.models.vlm.frames import iter_frames
from shinobi_tools.models.vlm.model import VLM, unwrapped
from shinobi_tools.models.vlm.prompt import VIDEO_TAG, encode, stop_token_ids


@dataclass
class Window:
    start: float
    frames: np.ndarray
    #: Frame times relative to ``start``.
    times: np.ndarray


def iter_windows(video: str | Path, fps: float, width: int, height: int, seconds: float,
                 overlap: float) -> Iterator[Window]:
    """Windows of ``seconds`` starting every ``seconds - overlap``; the last one ends with the video."""
    per_window = max(1, round(seconds * fps))
    stride = max(1, round((seconds - overlap) * fps))
    recent: deque = deque(maxlen=per_window)
    next_start = 0  # frame index of the next window's first frame
    count = emitted_end = 0
    for t, frame in iter_frames(video, fps, width, height):
        recent.append((t, frame))
        count += 1
        if count - per_window == next_start:
            yield _window(list(recent))
            emitted_end = count
            next_start += stride
    if count > emitted_end:  # the tail: one more window ending with the video (shorter if the video is)
        yield _window(list(recent))


def _window(items: list) -> Window:
    start = items[0][0]
    return Window(start, np.stack([f for _, f in items]), np.array([t - start for t, _ in items]))



def _frame_probabilities(vlm: VLM, capture: VisionCapture, batch: dict, encoded: list) -> list[np.ndarray]:
    """Per window, frames × types probabilities of the auxiliary head (a frame takes its step's)."""
    tokens, patches = capture.inputs(batch, which=0)  # generation encodes the frames in its first pass only
    logits = vlm.aux_head(tokens, patches, [len(e.steps) for e in encoded])
    probabilities = torch.sigmoid(logits).float().cpu().numpy()
    out, first = [], 0
    for e in encoded:
        out.append(frame_values(probabilities[first:first + len(e.steps)], e.steps))
        first += len(e.steps)
    return out


def _fast_arg(vlm: VLM, fast_run, window: Window):
    """encode()'s ``fast`` argument for one window (None for models whose text does not read fast tokens)."""
    fast = vlm.fast
    if fast is None or fast_run is None or fast.projector is None or fast.token_id is None:
        return None
    return (fast.token_id, fast.tokens_per_step,
            lambda step_times, period: fast.tokens(fast_run, window.start + step_times, period))


@torch.no_grad()
def generate_answers(vlm: VLM, windows: list[Window], prompt: str, marker: str, max_new_tokens: int,
                     prefixes: list[str] | None = None, fast_runs: list | None = None,
                     line_confidences: list | None = None, stop_at_newline: bool = False,
                     stop_loops: bool = False) -> tuple[list[str], list[np.ndarray | None]]:
    """Greedy answers of the model for a batch of windows (left-padded), and per window the frames × types
    probabilities of its auxiliary event head (None without one). ``prefixes``: the start of each answer,
    given to the model (the returned answers continue it). ``fast_runs``: per window, its video through the
    model's fast pathway (its tokens go into the prompt; the windows may come from several videos).
    ``line_confidences``: a list that receives, per window, the likelihood of each answer line (see
    :func:`_line_likelihoods`). ``stop_at_newline``: stop once every answer has ended a line (one-line
    continuations: descriptions); ``stop_loops``: stop an answer once it repeats a line."""
    family, tokenizer = vlm.family, vlm.tokenizer
    content = prompt if VIDEO_TAG in prompt else VIDEO_TAG + prompt
    messages = [{"role": "user", "content": content}]
    runs = fast_runs or [None] * len(windows)
    encoded = [encode(family, messages, w.frames, w.times, marker, generation=True, fast=_fast_arg(vlm, run, w))
               for w, run in zip(windows, runs)]
    for e, prefix in zip(encoded, prefixes or []):
        ids = family.text_ids(prefix)
        e.input_ids, e.labels = e.input_ids + ids, e.labels + [-100] * len(ids)
        e.token_types = e.token_types + [0] * len(ids)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    batch = collate(encoded, family, pad_id, "left", family.uses_token_types)
    batch.pop("labels")
    device = next(vlm.model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    capture = VisionCapture(family, unwrapped(vlm.model)) if vlm.aux_head is not None else None
    injector = None
    extra = {}
    if any(e.fast is not None for e in encoded):
        from shinobi_tools.models.vlm.fast.tokens import FastInjector

        injector = FastInjector(unwrapped(vlm.model), vlm.fast.token_id)
        features = torch.cat([e.fast for e in encoded]).to(device)
        injector.set(vlm.fast.projector.to(device)(features).to(next(vlm.model.parameters()).dtype))
        extra["suppress_tokens"] = [vlm.fast.token_id]
    if stop_at_newline or stop_loops:
        from transformers import StoppingCriteriaList

        extra["stopping_criteria"] = StoppingCriteriaList([_AnswerStop(tokenizer, batch["input_ids"].shape[1],
                                                                       stop_at_newline)])
    try:
        output = vlm.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                    eos_token_id=stop_token_ids(tokenizer), pad_token_id=pad_id,
                                    output_scores=line_confidences is not None, return_dict_in_generate=True,
                                    **extra)
    finally:
        if capture is not None:
            capture.remove()
        if injector is not None:
            injector.remove()
    new = output.sequences[:, batch["input_ids"].shape[1]:]
    answers = tokenizer.batch_decode(new, skip_special_tokens=True)
    if line_confidences is not None:
        line_confidences.extend(_line_likelihoods(tokenizer, new, output.scores))
    if not capture:
        return answers, [None] * len(windows)
    return answers, _frame_probabilities(vlm, capture, batch, encoded)


class _AnswerStop:
    """Generation stopping criterion. ``newline``: a sequence is done once its generated text holds a newline (one-line
    continuations). Otherwise a sequence is done once it loops: its last finished line repeats an earlier one, so
    one degenerate answer does not make the whole batch generate to the token limit. Off by default: the demo's
    text writes most of its correct LifeLost lines after such a repeat (text-alone LifeLost F1 0.29 → 0.03 with it,
    for 23 % less annotation time)."""

    def __init__(self, tokenizer, prompt_length: int, newline: bool = False) -> None:
        self.tokenizer, self.prompt_length, self.newline = tokenizer, prompt_length, newline

    def __call__(self, input_ids: torch.Tensor, scores, **kwargs) -> torch.Tensor:
        done = []
        for row in input_ids[:, self.prompt_length:].tolist():
            text = self.tokenizer.decode(row, skip_special_tokens=True)
            done.append("\n" in text if self.newline else _looping(text.split("\n")[:-1]))
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _looping(lines: list[str]) -> bool:
    """Whether the last of these finished answer lines repeats an earlier one."""
    last = lines[-1].strip() if lines else ""
    return bool(last) and last in {line.strip() for line in lines[:-1]}


def _line_likelihoods(tokenizer, new: torch.Tensor, scores) -> list[list[float]]:
    """Per answer, per line (``split("\\n")`` of the decoded answer), the probability the model gave to the line's
    event: the product of the probabilities of its tokens up to the ``:`` that ends the time and type (the whole
    line's tokens when it has none)."""
    if not scores:
        return [[] for _ in range(len(new))]
    logp = torch.stack([torch.log_softmax(s.float(), dim=-1) for s in scores], dim=1)  # (batch, steps, vocab)
    chosen = logp.gather(2, new[:, : logp.shape[1], None]).squeeze(2)
    out = []
    special = set(tokenizer.all_special_ids)
    for row, values in zip(new.tolist(), chosen.tolist()):
        lines, current, closed = [], [], False
        for token, value in zip(row, values):
            if token in special:
                break
            text = tokenizer.decode([token], skip_special_tokens=True)
            if not closed:
                current.append(value)
                closed = ":" in text
            if "\n" in text:
                lines += [current] + [[] for _ in range(text.count("\n") - 1)]
                current, closed = [], False
        lines.append(current)
        out.append([float(np.exp(np.sum(v))) if v else 0.0 for v in lines])
    return out


def parse_lines(answer: str, confidences: list[float]) -> tuple[list[tuple[AnswerEvent, float]], int]:
    """The answer's events with the likelihood of the line that wrote each, and the number of malformed lines."""
    events, malformed = [], 0
    for i, line in enumerate(answer.split("\n")):
        parsed = parse_events(line)
        malformed += parsed.malformed
        confidence = confidences[i] if i < len(confidences) else 1.0
        events += [(e, confidence) for e in parsed.events]
    return events, malformed

