"""Event rules of each game, in one explicit table (:data:`RULES`).

A rules module provides ``REQUIRED`` (the RAM variables it needs), ``detect(table, fps, options) -> DataFrame``
(rows as made by :mod:`shinobi_tools.events.primitives`, which is all a rules module imports) and, optionally,
``summarize(table, events, fps, options) -> dict``. A game definition names its rules (``rules: shinobi3``); a
game without rules of its own gets the declarative ``event_rules`` of its YAML, each a mapping with
``trial_type``, ``variable``, ``when`` (``increase``, ``decrease``, ``change`` or ``enters``), optional
``values`` (allowed steps, or the values entered) and ``family``.
"""

from __future__ import annotations

from types import ModuleType

import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.events.primitives import change_events, enter_events
from shinobi_tools.events.rules import airstriker, generic, shinobi3, smb1, smb3
from shinobi_tools.games import GameDefinition

#: Rules by name; a game definition's ``rules`` key names one of them.
RULES: dict[str, ModuleType] = {
    "airstriker": airstriker, "shinobi3": shinobi3, "generic": generic, "smb1": smb1, "smb3": smb3,
}


def rules_of(game: GameDefinition) -> ModuleType | None:
    """The rules module a game names (None for a game with declarative rules only)."""
    if not game.rules:
        return None
    if game.rules not in RULES:
        raise InputError(f"{game.source}: unknown rules {game.rules!r}; known: {', '.join(sorted(RULES))}")
    return RULES[game.rules]


def required_variables(game: GameDefinition) -> list[str]:
    """The RAM variables the game's rules read."""
    module = rules_of(game)
    if module is not None:
        return list(getattr(module, "REQUIRED", ()))
    return [rule["variable"] for rule in game.event_rules if "variable" in rule]


def detect(table: pd.DataFrame, game: GameDefinition, fps: float, options: dict) -> list[pd.DataFrame]:
    """The rule events of one run (beside its button events)."""
    module = rules_of(game)
    if module is not None:
        return [module.detect(table, fps, options)]
    return declarative_events(table, game)


def summarize(table: pd.DataFrame, events: pd.DataFrame, game: GameDefinition, fps: float, options: dict) -> dict:
    """The game's own summary keys (only the duration for games whose rules define none)."""
    module = rules_of(game)
    if module is not None and hasattr(module, "summarize"):
        return dict(module.summarize(table, events, fps, options))
    return {"duration": len(table) / fps}


def declarative_events(table: pd.DataFrame, game: GameDefinition) -> list[pd.DataFrame]:
    frames = []
    for rule in game.event_rules:
        try:
            trial_type, variable, when = rule["trial_type"], rule["variable"], rule.get("when", "change")
        except KeyError as error:
            raise InputError(f"{game.source}: event rule {rule} lacks {error}") from None
        family = rule.get("family", "state")
        if when == "enters":
            frames.append(enter_events(table, variable, rule.get("values", ()), trial_type, family))
        else:
            frames.append(change_events(table, variable, trial_type, when, rule.get("values"), family))
    return frames
