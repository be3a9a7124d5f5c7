"""Load and look up game definitions (YAML)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from shinobi_tools.errors import InputError
from shinobi_tools.settings import read_yaml_mapping

#: stable-retro's type notation: endianness, kind (u/i unsigned/signed, d BCD, n nibble BCD), bytes.
_TYPE_PATTERN = re.compile(r"^[<>|=][uidn][1248]$")
#: The built-in game files (data, apart from the code).
_BUILTIN_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class RamVariable:
    name: str
    address: int
    type: str
    description: str = ""

    def __post_init__(self) -> None:
        if not _TYPE_PATTERN.match(self.type):
            raise InputError(f"RAM variable {self.name!r}: type {self.type!r} is not stable-retro notation like '>u2'")


@dataclass(frozen=True)
class GameDefinition:
    name: str
    retro_id: str
    platform: str
    fps: float
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
                        description=str(spec.get("description", "")))
            for name, spec in (raw.get("variables") or {}).items()
        )
        return GameDefinition(
            name=str(raw["name"]),
            retro_id=str(raw["retro_id"]),
            platform=str(raw.get("platform", "GEN")),
            fps=float(raw.get("fps", 59.922743)),
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
    return sorted(_all_games())


def get_game(name: str) -> GameDefinition:
    """The game definition called ``name`` (e.g. ``shinobi3``, ``airstriker``)."""
    games = _all_games()
    if name not in games:
        raise InputError(f"unknown game {name!r}; known games: {', '.join(sorted(games))}")
    return games[name]


def game_for_retro_id(retro_id: str) -> GameDefinition:
    """The game definition whose stable-retro id is ``retro_id`` (with or without ``-v0``)."""
    wanted = retro_id if retro_id.endswith("-v0") else f"{retro_id}-v0"
    for game in _all_games().values():
        if game.retro_id == wanted:
            return game
    raise InputError(f"no game definition for stable-retro game {retro_id!r}; add a YAML file to lib/shinobi_tools/games/data/")
