"""Load and look up game definitions: our YAML files, or, for any other stable-retro game, a definition made from
its own integration (``data.json`` variables, the platform's buttons, the generic event rules).

``get_game`` takes one of our names (``airstriker``) or a stable-retro id (``Breakout-Atari2600-v0``; an id one of
our YAML files declares gives that file's definition).

A game's events come in one of two vocabularies (:data:`VOCABULARIES`): ``cneuromod``, CNeuroMod's current
cross-game vocabulary (the default), and ``legacy``, the project's names before it. The YAML keys ``rules``,
``salient_events`` and ``invisible_events`` take either one value for every vocabulary or a mapping vocabulary →
value; :meth:`GameDefinition.for_vocabulary` gives the definition seen from one vocabulary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from shinobi_tools.errors import InputError
from shinobi_tools.games import generic
from shinobi_tools.games.integration import RamVariable, data_json, find_retro_id, integration_variables, system_of_game
from shinobi_tools.games.platforms import logged_buttons
from shinobi_tools.settings import read_yaml_mapping

#: The built-in game files (data, apart from the code).
_BUILTIN_DIR = Path(__file__).parent / "data"
#: The event vocabularies: CNeuroMod's current one and the project's earlier names.
CNEUROMOD, LEGACY = "cneuromod", "legacy"
VOCABULARIES = (CNEUROMOD, LEGACY)
DEFAULT_VOCABULARY = CNEUROMOD
#: YAML keys that may differ per vocabulary.
_PER_VOCABULARY = ("rules", "salient_events", "invisible_events")


@dataclass(frozen=True)
class GameDefinition:
    name: str
    retro_id: str
    #: The platform: a bk2 header code (``GEN``) or a stable-retro core name (``Atari2600``).
    platform: str
    #: The nominal frame rate; replays take the rate from the emulator's core (tests check the two agree).
    fps: float | None
    variables: tuple[RamVariable, ...]
    description: str = ""
    #: Rare event types researchers care most about (reported separately by the evaluation), in ``vocabulary``.
    salient_events: tuple[str, ...] = ()
    #: Legacy vocabulary: button → event type for press events (e.g. ``B: HIT``); buttons not listed give none.
    button_events: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    #: Name of the game's event rules in ``vocabulary``, in the explicit table ``shinobi_tools.events.rules.RULES``.
    rules: str | None = None
    #: The vocabulary that ``rules``, ``salient_events`` and ``invisible_events`` are in.
    vocabulary: str = DEFAULT_VOCABULARY
    #: CNeuroMod vocabulary: button → controller role (``B: Attack`` → ``Action/Attack``); the D-pad and the system
    #: buttons have their fixed roles, other buttons are ``Action/Other``.
    actions: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    #: Event types nothing on screen shows: kept in the events TSV, left out of the QA dataset, the models'
    #: targets and the evaluation (a pixels-only annotator cannot learn them).
    invisible_events: tuple[str, ...] = ()
    #: The per-vocabulary values of the YAML (key → vocabulary → value), for :meth:`for_vocabulary`.
    by_vocabulary: dict = field(default_factory=dict, hash=False, compare=False, repr=False)
    #: Declarative event rules for games without rules of their own (see :mod:`shinobi_tools.events.rules`).
    event_rules: tuple[dict, ...] = field(default=(), hash=False, compare=False)
    #: Default options of the event rules (e.g. ``kill_scores``); the config may override them.
    event_options: dict = field(default_factory=dict, hash=False, compare=False)
    #: YAML file of description phrasings per event type (relative to the game YAML).
    descriptions: Path | None = field(default=None, compare=False)
    source: Path | None = field(default=None, compare=False)

    @property
    def variable_names(self) -> list[str]:
        return [v.name for v in self.variables]

    def for_vocabulary(self, vocabulary: str | None) -> "GameDefinition":
        """This game seen from ``vocabulary`` (None: the default): its rules, salient and invisible events there."""
        vocabulary = vocabulary or DEFAULT_VOCABULARY
        if vocabulary not in VOCABULARIES:
            raise InputError(f"unknown event vocabulary {vocabulary!r}; choose {' or '.join(VOCABULARIES)}")
        values = {key: self.by_vocabulary.get(key, {}).get(vocabulary) for key in _PER_VOCABULARY}
        return replace(self, vocabulary=vocabulary, rules=values["rules"] or None,
                       salient_events=tuple(values["salient_events"] or ()),
                       invisible_events=tuple(values["invisible_events"] or ()))


def _search_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("SHINOBI_TOOLS_GAMES", "").split(":") if p]
    return extra + [_BUILTIN_DIR]


def load_game_file(path: str | Path) -> GameDefinition:
    """Read one game YAML file; raise :class:`InputError` naming the file on any problem."""
    path = Path(path)
    raw = read_yaml_mapping(path)
    by_vocabulary = {key: _per_vocabulary(raw.get(key), key, path) for key in _PER_VOCABULARY}
    try:
        variables = tuple(
            RamVariable(name=name, address=int(spec["address"]), type=str(spec["type"]),
                        description=str(spec.get("description", "")), mask=spec.get("mask"))
            for name, spec in (raw.get("variables") or {}).items()
        )
        return GameDefinition(
            name=str(raw["name"]),
            retro_id=str(raw["retro_id"]),
            platform=str(raw.get("platform", "GEN")),
            fps=float(raw["fps"]) if raw.get("fps") is not None else None,
            variables=variables,
            description=str(raw.get("description", "")),
            button_events={str(k): str(v) for k, v in (raw.get("button_events") or {}).items()},
            actions={str(k): str(v) for k, v in (raw.get("actions") or {}).items()},
            by_vocabulary=by_vocabulary,
            event_rules=tuple(dict(rule) for rule in raw.get("event_rules") or ()),
            event_options=dict(raw.get("event_options") or {}),
            descriptions=path.parent / raw["descriptions"] if raw.get("descriptions") else None,
            source=path,
        ).for_vocabulary(DEFAULT_VOCABULARY)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(f"{path}: invalid game definition ({error!r}); see lib/shinobi_tools/games/data/*.yaml") from None


def _per_vocabulary(value: object, key: str, path: Path) -> dict:
    """A YAML value given for every vocabulary, or as a mapping vocabulary → value, as vocabulary → value."""
    if isinstance(value, dict):
        unknown = sorted(set(map(str, value)) - set(VOCABULARIES))
        if unknown:
            raise InputError(f"{path}: `{key}` names unknown vocabularies {unknown}; use {', '.join(VOCABULARIES)}")
        return {str(k): v for k, v in value.items()}
    return {vocabulary: value for vocabulary in VOCABULARIES}


@cache
def _all_games() -> dict[str, GameDefinition]:
    games: dict[str, GameDefinition] = {}
    for folder in reversed(_search_dirs()):  # later (user) folders override built-ins
        for path in sorted(folder.glob("*.yaml")):
            if path.stem.endswith("_descriptions"):  # phrasings, not game definitions
                continue
            game = load_game_file(path)
            games[game.name] = game
    return games


def available_games() -> list[str]:
    """Our game definitions (YAML); any stable-retro game id is accepted too."""
    return sorted(_all_games())


def get_game(name: str) -> GameDefinition:
    """The game called ``name``: one of our definitions (``shinobi3``, ``airstriker``), the one whose stable-retro id
    is ``name``, else the generic definition of the stable-retro game ``name`` (``Breakout-Atari2600-v0``)."""
    games = _all_games()
    if name in games:
        return games[name]
    for game in games.values():
        if name in (game.retro_id, game.retro_id.removesuffix("-v0")):
            return game
    retro_id = find_retro_id(name)
    if retro_id is None:
        raise InputError(f"unknown game {name!r}; known games: {', '.join(sorted(games))}, or any stable-retro game "
                         "id such as Breakout-Atari2600-v0 (python -c 'import stable_retro; "
                         "print(stable_retro.data.list_games())')")
    return generic_game(retro_id)


def game_for_retro_id(retro_id: str) -> GameDefinition:
    """The game of a bk2's ``GameName`` (with or without ``-v0``): ours where a YAML declares it, else generic."""
    return get_game(retro_id)


@cache
def generic_game(retro_id: str) -> GameDefinition:
    """The definition of a stable-retro game nobody wrote a file for: every variable of its ``data.json`` (as
    stable-retro computes ``info``), a press event for each button the platform logs (named by role where one is
    known), and the generic rules (score, lives, health)."""
    system = system_of_game(retro_id)
    variables = integration_variables(retro_id)
    salient = generic.salient_events([v.name for v in variables])
    return GameDefinition(
        name=retro_id,
        retro_id=retro_id,
        platform=system,
        fps=None,
        variables=variables,
        description=f"{retro_id}: stable-retro's integration, no game file of ours",
        button_events={b: generic.button_role(system, b) for b in logged_buttons(system)},
        actions=generic.action_roles(system),
        by_vocabulary={"rules": {v: generic.RULES_NAME for v in VOCABULARIES},
                       "salient_events": {v: salient for v in VOCABULARIES}},
        descriptions=_BUILTIN_DIR / generic.DESCRIPTIONS_FILE,
        source=data_json(retro_id),
    ).for_vocabulary(DEFAULT_VOCABULARY)
