"""Chat rendering with the model's own template, the video block spliced in, and labels on answers only.

A conversation is rendered turn by turn: the text up to each assistant turn (with the generation prompt)
is prompt (label -100), what the template adds for the assistant's message (its content and end-of-turn
token) is answer. Inference renders the first user turn the same way, so training and annotation see
identical prompt tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from shinobi_tools.models.vlm.family import Family

VIDEO_TAG = "<video>"
IGNORE = -100
_MARK = "\ue000VIDEO\ue000"
_PLAIN_TEMPLATE = "{role}: {content}\n"


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]
    token_types: list[int]
    pixels: dict[str, torch.Tensor]
    steps: list[list[int]] = field(default_factory=list)
    #: Features of the fast tokens (one row per ``<fast>`` placeholder, in order; see :mod:`.fast`), or None.
    fast: torch.Tensor | None = None


def _uses_list_content(tokenizer) -> bool:
    """True for templates that iterate over typed content parts (SmolVLM2), False for plain strings."""
    if not getattr(tokenizer, "chat_template", None):
        return False
    probe = "\ue001probe\ue001"
    text = tokenizer.apply_chat_template([{"role": "user", "content": probe}], tokenize=False)
    return probe not in text


def render(tokenizer, messages: list[dict], add_generation_prompt: bool) -> str:
    """The conversation as text through the tokenizer's chat template (a plain one when it has none)."""
    if not getattr(tokenizer, "chat_template", None):
        text = "".join(_PLAIN_TEMPLATE.format(role=m["role"].capitalize(), content=m["content"]) for m in messages)
        return text + ("Assistant:" if add_generation_prompt else "")
    if _uses_list_content(tokenizer):
        messages = [dict(m, content=[{"type": "text", "text": m["content"]}]) for m in messages]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)


def _with_mark(messages: list[dict]) -> list[dict]:
    """Put the video marker where ``<video>`` is (the first one; the first user turn's start if absent)."""
    out, placed = [], False
    for m in messages:
        content = str(m["content"])
        if m["role"] == "user" and not placed:
            content = content.replace(VIDEO_TAG, _MARK, 1) if VIDEO_TAG in content else _MARK + content
            placed = True
        out.append({"role": m["role"], "content": content.replace(VIDEO_TAG, "")})
    return out


def segments(tokenizer, messages: list[dict], generation: bool = False) -> list[tuple[str, bool]]:
    """``(text, is_answer)`` pieces whose concatenation is the rendered conversation.

    ``generation``: only the turns before the first assistant message, ending with the generation prompt.
    """
    messages = _with_mark(messages)
    answers = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    if generation:
        end = answers[0] if answers else len(messages)
        return [(render(tokenizer, messages[:end], add_generation_prompt=True), False)]
    pieces, done = [], ""
    for i in answers:
        prompt = render(tokenizer, messages[:i], add_generation_prompt=True)
        full = render(tokenizer, messages[: i + 1], add_generation_prompt=False)
        if not prompt.startswith(done) or not full.startswith(prompt):
            raise ValueError("the chat template does not render conversations incrementally; cannot mask prompts")
        pieces += [(prompt[len(done):], False), (full[len(prompt):], True)]
        done = full
    return pieces


def encode(family: Family, messages: list[dict], frames: np.ndarray, times: np.ndarray, marker: str,
           max_length: int | None = None, generation: bool = False, fast=None) -> Encoded:
    """Token ids, labels (answers only), token types and pixels of one example.

    ``fast``: ``(token id, tokens per step, features)`` where ``features(step_times, period)`` gives the fast
    tokens' features of steps starting at ``step_times`` (s) and lasting ``period``: that many placeholders follow
    each step's vision tokens (:mod:`shinobi_tools.models.vlm.fast`)."""
    block = family.video_block(frames, times, marker, [fast[0]] * fast[1] if fast else None)
    fast_features = None
    if fast:
        step_times = np.array([times[s[0]] for s in block.steps], dtype=float)
        frame_period = float(np.median(np.diff(times))) if len(times) > 1 else 0.25
        fast_features = fast[2](step_times, frame_period * max(len(s) for s in block.steps))
    ids, labels, types = [], [], []
    video_end = 0
    for text, is_answer in segments(family.tokenizer, messages, generation):
        for j, piece in enumerate(text.split(_MARK)):
            if j > 0:
                ids += block.input_ids
                labels += [IGNORE] * len(block.input_ids)
                types += block.token_types
                video_end = len(ids)
            piece_ids = family.text_ids(piece) if piece else []
            ids += piece_ids
            labels += piece_ids if is_answer else [IGNORE] * len(piece_ids)
            types += [0] * len(piece_ids)
    if max_length is not None and len(ids) > max_length:
        keep = max(max_length, video_end)
        ids, labels, types = ids[:keep], labels[:keep], types[:keep]
    return Encoded(ids, labels, types, block.pixels, block.steps, fast_features)


def stop_token_ids(tokenizer) -> list[int]:
    """End-of-turn tokens that end generation (eos plus the chat templates' turn ends present in the vocab)."""
    vocab = tokenizer.get_vocab()
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    ids |= {vocab[t] for t in ("<|im_end|>", "<end_of_utterance>", "<|endoftext|>", "<|eot_id|>") if t in vocab}
    return sorted(ids)
