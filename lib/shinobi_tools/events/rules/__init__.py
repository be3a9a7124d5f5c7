"""Event rules of each game, in one explicit table (:data:`RULES`), one module per game and vocabulary.

A game definition names its rules per vocabulary (``rules: {cneuromod: shinobi3, legacy: shinobi3_legacy}``). A
rules module provides ``VOCABULARIES`` (the ones it writes), ``REQUIRED`` (the RAM variables it needs), optionally ``summarize(table,
events, fps, options) -> dict``, and by vocabulary:

* ``cneuromod``: ``rows(table, options) -> list[Row]`` (:mod:`shinobi_tools.events.vocabulary`), in the order
  CNeuroMod's generator makes them; :func:`cneuromod_rows` puts the ``Action/*`` rows (the game's controller
  roles) and ``LevelStarted`` before them.
* ``legacy``: ``detect(table, fps, options) -> DataFrame`` (rows made by :mod:`shinobi_tools.events.primitives`),
  beside the press events of the game's ``button_events``.

A rules module imports only :mod:`~shinobi_tools.events.primitives` and :mod:`~shinobi_tools.events.vocabulary`.
A game without rules of its own in a vocabulary gets the declarative ``event_rules`` of its YAML, each a mapping
with ``trial_type``, ``variable``, ``when`` (``increase``, ``decrease``, ``change`` or ``enters``), optional
``values`` (allowed steps, or the values entered) and ``family``; in the cneuromod vocabulary they follow its
conventions (inclusive ``frame_stop``) after the ``Action/*`` rows and ``LevelStarted``.
"""

from __future__ import annotations

from types import ModuleType

import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.events import vocabulary as voc
from shinobi_tools.events.primitives import change_events, enter_events
from shinobi_tools.events.rules import airstriker, airstriker_legacy, generic, shinobi3, shinobi3_legacy, smb1, smb3
from shinobi_tools.games import GameDefinition

#: Rules by name; a game definition's ``rules`` key names one of them per vocabulary.
RULES: dict[str, ModuleType] = {
    "airstriker": airstriker, "airstriker_legacy": airstriker_legacy,
    "shinobi3": shinobi3, "shinobi3_legacy": shinobi3_legacy,
    "generic": generic, "smb1": smb1, "smb3": smb3,
}


def rules_of(game: GameDefinition) -> ModuleType | None:
    """The rules module a game names in its vocabulary (None for a game with declarative rules only)."""
    if not game.rules:
        return None
    if game.rules not in RULES:
        raise InputError(f"{game.source}: unknown rules {game.rules!r}; known: {', '.join(sorted(RULES))}")
    module = RULES[game.rules]
    if game.vocabulary not in module.VOCABULARIES:
        written = " and ".join(module.VOCABULARIES)
        raise InputError(f"{game.source}: rules {game.rules!r} write the {written} vocabulary, not {game.vocabulary}; "
                         f"name them per vocabulary (rules: {{{module.VOCABULARIES[0]}: {game.rules}}})")
    return module


def required_variables(game: GameDefinition) -> list[str]:
    """The RAM variables the game's rules read."""
    module = rules_of(game)
    if module is not None:
        return list(getattr(module, "REQUIRED", ()))
    return [rule["variable"] for rule in game.event_rules if "variable" in rule]


def detect(table: pd.DataFrame, game: GameDefinition, fps: float, options: dict) -> list[pd.DataFrame]:
    """Legacy vocabulary: the rule events of one run (beside its button events)."""
    module = rules_of(game)
    if module is not None:
        return [module.detect(table, fps, options)]
    return declarative_events(table, game)


def cneuromod_rows(table: pd.DataFrame, game: GameDefinition, options: dict) -> list[voc.Row]:
    """CNeuroMod vocabulary: every row of one repetition but the container, in generation order."""
    buttons = [c for c in table.columns if table[c].dtype == bool]   # the platform's buttons, in table order
    rows = voc.action_rows(table, voc.controller_table(buttons, game.actions))
    module = rules_of(game)
    own = module.rows(table, options) if module is not None else []
    if not any(r.frame_start == 0 and r.trial_type.startswith("Level") for r in own):  # Mario rules write their own
        rows.append(voc.point(voc.LEVEL_STARTED, 0))
    if module is not None:
        return rows + own
    for part in declarative_events(table, game):
        for start, stop, trial_type in zip(part["frame_start"], part["frame_stop"], part["trial_type"]):
            rows.append(voc.span(trial_type, start, max(int(start), int(stop) - 1)) if stop > start
                        else voc.point(trial_type, start))
    return rows


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
