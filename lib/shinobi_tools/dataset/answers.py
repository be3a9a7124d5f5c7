"""The answer grammar shared by the QA dataset and the model's output parser.

Dense annotation (one line per event, times relative to the clip start, 0.01 s precision)::

    1.25s-1.60s Jump: The player jumps.
    2.00s-2.02s EnemyDestroyed: The player destroys an enemy (+20 points).

or exactly ``No notable event.`` Types may be hierarchical (``Screen/Death``, ``WeaponPowerupStarted/Ninjutsu1``,
CNeuroMod's vocabulary). (The parser also reads a line with the onset only, ``1.25s Jump: ...``, as an
instantaneous event: models write that form early in training.) Grounding answers list intervals (``0.50s-0.90s, 2.10s-2.40s``) or say
``It does not happen in this clip.`` Point queries answer with the descriptions of the events under way at
that time, or ``Nothing notable is happening.`` Parsers never raise: lines they cannot read are counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NO_EVENT = "No notable event."
NOT_IN_CLIP = "It does not happen in this clip."
NOTHING_NOW = "Nothing notable is happening."
#: Decimal places of the times written in answers.
PRECISION = 2

_TIME = r"(\d{1,5}(?:\.\d+)?)\s*s?"
#: An event type: a name, or names joined by ``/`` (``Action/Jump``, ``WeaponPowerupStarted/Ninjutsu1``).
_TYPE = r"([A-Za-z][A-Za-z0-9_]*(?:/[A-Za-z0-9_]+)*)"
_EVENT_LINE = re.compile(rf"^\s*{_TIME}\s*[-–]\s*{_TIME}\s+{_TYPE}\s*:\s*(.*?)\s*$")
#: A model's shorter form, onset only ("0.50s Fire: ..."): read as an instantaneous event.
_ONSET_LINE = re.compile(rf"^\s*{_TIME}\s+{_TYPE}\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class AnswerEvent:
    """One event in clip-relative seconds."""

    onset: float
    offset: float
    trial_type: str
    description: str = ""


@dataclass
class ParsedAnswer:
    events: list[AnswerEvent] = field(default_factory=list)
    #: Lines that were neither an event nor the no-event sentence.
    malformed: int = 0


def format_time(seconds: float) -> str:
    return f"{max(seconds, 0.0):.{PRECISION}f}s"


def format_events(events: list[AnswerEvent]) -> str:
    """A dense-annotation answer, events sorted by onset then type."""
    if not events:
        return NO_EVENT
    ordered = sorted(events, key=lambda e: (round(e.onset, PRECISION), e.trial_type))
    return "\n".join(
        f"{format_time(e.onset)}-{format_time(e.offset)} {e.trial_type}: {_one_line(e.description)}" for e in ordered
    )


def parse_events(text: str) -> ParsedAnswer:
    """Read a dense-annotation answer (ours or a model's); never raises."""
    parsed = ParsedAnswer()
    if not isinstance(text, str):
        parsed.malformed = 1
        return parsed
    for line in text.splitlines():
        if not line.strip() or line.strip() == NO_EVENT:
            continue
        match = _EVENT_LINE.match(line)
        if match is None:
            onset_only = _ONSET_LINE.match(line)
            if onset_only is None:
                parsed.malformed += 1
                continue
            time, trial_type, description = onset_only.groups()
            parsed.events.append(AnswerEvent(float(time), float(time), trial_type, description))
            continue
        onset, offset = float(match.group(1)), float(match.group(2))
        if offset < onset:
            parsed.malformed += 1
            continue
        parsed.events.append(AnswerEvent(onset, offset, match.group(3), match.group(4)))
    return parsed


def format_intervals(intervals: list[tuple[float, float]]) -> str:
    """A grounding answer: when something happens in the clip."""
    if not intervals:
        return NOT_IN_CLIP
    return ", ".join(f"{format_time(a)}-{format_time(b)}" for a, b in sorted(intervals))


def format_point_answer(descriptions: list[str]) -> str:
    """A point-query answer: what is under way at one time."""
    return " ".join(_one_line(d) for d in descriptions) if descriptions else NOTHING_NOW


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
