"""One-sentence descriptions of events, from a per-game dictionary of phrasings (YAML).

The file maps an event type to a list of phrasings; ``Type.cause`` keys (``LifeLost.fall``) take
precedence for events with that ``cause``. A hierarchical type without its own entry takes the entry of its name
without a trailing number (``WeaponPowerupStarted/Ninjutsu3`` → ``WeaponPowerupStarted/Ninjutsu``), then of its
parent (``WeaponPowerupStarted``). Phrasings are ``str.format`` templates filled from the
event: ``{points}``, ``{button}``, ``{value_before}``, ``{value_after}``, ``{lost}``, ``{gained}``,
``{cause}``, ``{x_player}``, ``{y_player}``, ``{duration}`` (s, 1 decimal). The choice among
phrasings is random but deterministic given a seed. A config file (same format) overrides the
built-in entries type by type.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.games import GameDefinition
from shinobi_tools.settings import read_yaml_mapping

_FIELDS = ("points", "button", "value_before", "value_after", "cause", "x_player", "y_player")


def read_descriptions(path: str | Path) -> dict[str, list[str]]:
    """Read one phrasings file, checking that every entry is a non-empty list of strings."""
    path = Path(path)
    raw = read_yaml_mapping(path)
    phrasings: dict[str, list[str]] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise InputError(f"{path}: `{key}` must be a non-empty list of phrasings")
        for template in value:
            try:
                fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            except ValueError as error:
                raise InputError(f"{path}: `{key}`: bad phrasing {template!r} ({error})") from None
            unknown = fields - set(_FIELDS) - {"lost", "gained", "duration"}
            if unknown:
                raise InputError(f"{path}: `{key}`: unknown field(s) {sorted(unknown)} in {template!r}")
        phrasings[str(key)] = value
    return phrasings


def load_descriptions(game: GameDefinition, override: str | Path | None = None) -> dict[str, list[str]]:
    """The game's built-in phrasings, with the entries of ``override`` (a config YAML) replacing them."""
    phrasings = read_descriptions(game.descriptions) if game.descriptions is not None else {}
    if override is not None:
        phrasings.update(read_descriptions(override))
    return phrasings


def _fields(row: Mapping) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in _FIELDS:
        value = row.get(name)
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            value = ""
        elif isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)  # integer columns turn float where some rows have no value
        values[name] = value
    before, after = values["value_before"], values["value_after"]
    numeric = isinstance(before, (int, np.integer)) and isinstance(after, (int, np.integer))
    values["lost"] = before - after if numeric else ""
    values["gained"] = after - before if numeric else ""
    duration = row.get("duration")
    values["duration"] = f"{duration:.1f}" if isinstance(duration, float) and not np.isnan(duration) else ""
    return values


def _lookup(phrasings: Mapping[str, list[str]], trial_type: str) -> list[str] | None:
    """The phrasings of a type: its own, else those of its name without a trailing number, else its parent's."""
    for key in (trial_type, re.sub(r"\d+$", "", trial_type), trial_type.rsplit("/", 1)[0]):
        if phrasings.get(key):
            return phrasings[key]
    return None


def describe(events: pd.DataFrame, phrasings: Mapping[str, list[str]], seed: int = 0) -> pd.Series:
    """One sentence per event; types without phrasings get ``"Event <type>."``."""
    rng = np.random.default_rng(seed)
    draws = rng.random(len(events))
    sentences = []
    for draw, row in zip(draws, events.to_dict("records")):
        cause = row.get("cause")
        key = f"{row['trial_type']}.{cause}" if isinstance(cause, str) else None
        options = phrasings.get(key) if key else None
        options = options or _lookup(phrasings, str(row["trial_type"]))
        if not options:
            sentences.append(f"Event {row['trial_type']}.")
            continue
        template = options[int(draw * len(options))]
        sentences.append(template.format(**_fields(row)))
    return pd.Series(sentences, index=events.index, dtype=object)
