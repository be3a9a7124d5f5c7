"""Training targets shaped from a QA record: which turns, which event types, times on the frame grid.

The QA dataset is generic (every event, 0.01 s times, several question kinds); a small model trained for
minutes learns faster from shorter answers whose times it can copy from the frame markers it sees. With
``data.turns: dense`` only the dense-annotation turn is kept; ``data.answer_types`` rebuilds that answer
from the record's events of those types; ``data.snap_times`` writes each onset as the marker of the first
sampled frame that shows the event (at or after the onset, as the auxiliary labels in
:func:`shinobi_tools.vlm.data.onset_targets`) and each offset as the last frame before it ends
(``3.5s EnemyDestroyed: ...``; onset only for instantaneous events), a form
:func:`shinobi_tools.answers.parse_events` reads.
"""

from __future__ import annotations

import numpy as np

from shinobi_tools.dataset.answers import NO_EVENT, AnswerEvent, format_events
from shinobi_tools.models.vlm.config import DataConfig
from shinobi_tools.models.vlm.frames import time_marker

TURN_CHOICES = ("all", "dense")


def snap_onset(t: float, times: np.ndarray) -> float | None:
    """The first sampled frame time at or after ``t`` (None after the last frame: the clip does not show it)."""
    after = times[times >= t - 1e-6]
    return float(after[0]) if len(after) else None


def snap_offset(t: float, onset: float, times: np.ndarray) -> float:
    """The last sampled frame time at or before ``t``, not before ``onset``."""
    before = times[times <= t + 1e-6]
    return max(float(before[-1]) if len(before) else onset, onset)


def format_snapped(events: list[AnswerEvent], times: np.ndarray, marker: str) -> str:
    """A dense answer with times on the frame grid (see the module doc); duplicates after snapping dropped."""
    lines: list[tuple[float, str, str]] = []
    for e in events:
        onset = snap_onset(e.onset, times)
        if onset is None:
            continue
        offset = snap_offset(e.offset, onset, times)
        when = time_marker(onset, marker)
        if offset > onset:
            when += f"-{time_marker(offset, marker)}"
        lines.append((onset, e.trial_type, f"{when} {e.trial_type}: {' '.join(e.description.split())}"))
    seen: set[tuple[float, str]] = set()
    kept = []
    for onset, trial_type, line in sorted(lines, key=lambda x: (x[0], x[1])):
        if (onset, trial_type) not in seen:
            seen.add((onset, trial_type))
            kept.append(line)
    return "\n".join(kept) if kept else NO_EVENT


def resolve_answer_types(data: DataConfig, game: str | None, present: list[str]) -> str | None:
    """Replace ``answer_types: salient`` by the game's salient events; a warning when none occurs in the data
    (every answer is then the no-event sentence: a wrong game, or too little gameplay)."""
    if data.answer_types == "salient":
        if not game:
            raise ValueError("data.answer_types is 'salient': name the game (--game NAME) or list the event types")
        from shinobi_tools.games import get_game

        data.answer_types = list(get_game(game).salient_events)
    if isinstance(data.answer_types, str):
        raise ValueError(f"data.answer_types must be a list of event types, 'salient' or null, "
                         f"not {data.answer_types!r}")
    if data.answer_types is not None and not set(data.answer_types) & set(present):
        return (f"warning: data.answer_types {data.answer_types} never occur in {data.train} (its event types: "
                f"{', '.join(present) or 'none'}); every training answer says there is no event")
    return None


def shape_messages(messages: list[dict], events: list[dict], times: np.ndarray, data: DataConfig,
                   marker: str) -> list[dict]:
    """The conversation the trainer uses for one record (unchanged with the defaults)."""
    if data.turns not in TURN_CHOICES:
        raise ValueError(f"data.turns must be one of {', '.join(TURN_CHOICES)}, not {data.turns!r}")
    if data.turns == "dense":
        first = next(i for i, m in enumerate(messages) if m["role"] == "assistant")
        messages = messages[: first + 1]
    if data.answer_types is None and not data.snap_times:
        return messages
    wanted = [AnswerEvent(float(e["onset"]), float(e.get("offset", e["onset"])), e["trial_type"],
                          str(e.get("description", "")))
              for e in events if data.answer_types is None or e["trial_type"] in data.answer_types]
    answer = format_snapped(wanted, times, marker) if data.snap_times else format_events(wanted)
    first = next(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return [*messages[:first], dict(messages[first], content=answer), *messages[first + 1:]]
