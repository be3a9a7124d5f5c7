"""Load and look up game definitions: our YAML files, or, for any other stable-retro game, a definition made from
its own integration (``data.json`` variables, the platform's buttons, the generic event rules).

``get_game`` takes one of our names (``airstriker``) or a stable-retro id (``Breakout-Atari2600-v0``; an id one of
our YAML files declares gives that file's definition).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from shinobi_tools.errors import InputError
from shinobi_tools.games import generic
from shinobi_tools.games.integration import RamVariable, data_json, find_retro_id, integration_variables, system_of_game
from shinobi_tools.games.platforms import logged_buttons
from shinobi_tools.settings import read_yaml_mapping

#: The built-in game files (data, apart from the code).
_BUILTIN_DIR = Path(__file__).parent / "data"


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
    #: Rare event types researchers care most about (reported separately by the evaluation).
    salient_events: tuple[str, ...] = ()
    #: Button → event type for press events (e.g. ``B: HIT``); buttons not listed give no events.
    button_events: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    #: Name of the game's event rules in the explicit table ``shinobi_tools.events.rules.RULES``.
    rules: str | None = None
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


def _search_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("SHINOBI_TOOLS_GAMES", "").split(":") if p]
    return extra + [_BUILTIN_DIR]


def load_game_file(path: str | Path) -> GameDefinition:
    """Read one game YAML file; raise :class:`InputError` naming the file on any problem."""
    path = Path(path)
    raw = read_yaml_mapping(path)
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
            salient_events=tuple(raw.get("salient_events") or ()),
            button_events={str(k): str(v) for k, v in (raw.get("button_events") or {}).items()},
            rules=raw.get("rules"),
            event_rules=tuple(dict(rule) for rule in raw.get("event_rules") or ()),
            event_options=dict(raw.get("event_options") or {}),
            descriptions=path.parent / raw["descriptions"] if raw.get("descriptions") else None,
            source=path,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(f"{path}: invalid game definition ({error!r}); see lib/shinobi_tools/games/data/*.yaml") from None


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
    return GameDefinition(
        name=retro_id,
        retro_id=retro_id,
        platform=system,
        fps=None,
        variables=variables,
        description=f"{retro_id}: stable-retro's integration, no game file of ours",
        salient_events=generic.salient_events([v.name for v in variables]),
        button_events={b: generic.button_role(system, b) for b in logged_buttons(system)},
        rules=generic.RULES_NAME,
        descriptions=_BUILTIN_DIR / generic.DESCRIPTIONS_FILE,
        source=data_json(retro_id),
    )
