"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from shinobi_tools.errors import InputError, ShinobiToolsError
from shinobi_tools.games.definition import DEFAULT_VOCABULARY, VOCABULARIES

#: Exit code of a user error (argparse uses 2 for bad arguments too).
USER_ERROR = 2


def is_worker_echo() -> bool:
    """True in the workers after the first of a multi-process launch (their user errors repeat the first's)."""
    return int(os.environ.get("RANK", "0") or 0) > 0


def add_command(sub, name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
    """A sub-command whose parsed arguments go to ``handler``."""
    parser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(handler=handler)
    return parser


def add_vocabulary_argument(parser: argparse.ArgumentParser, what: str = "the events") -> None:
    """``--vocabulary cneuromod|legacy``: the event vocabulary (default: CNeuroMod's current one)."""
    parser.add_argument("--vocabulary", choices=VOCABULARIES, default=DEFAULT_VOCABULARY,
                        help=f"event vocabulary of {what}: cneuromod (CNeuroMod's current one, the default) or legacy")


def game_of(args: argparse.Namespace):
    """The game definition named by ``--game`` seen from ``--vocabulary`` (None without ``--game``)."""
    from shinobi_tools.games import get_game

    if not getattr(args, "game", None):
        return None
    return get_game(args.game).for_vocabulary(getattr(args, "vocabulary", None))


def named_paths(specs: list[str], what: str) -> dict[str, Path]:
    """``NAME=PATH`` arguments as a mapping; one that lacks ``=PATH`` is an :class:`InputError`."""
    named = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        if not name or not path:
            raise InputError(f"{spec!r}: write NAME={what}")
        named[name] = Path(path)
    return named


def _bounded(kind: type, above_zero: bool) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` above zero (``above_zero``) or at least zero; a bad value is argparse's
    one-line error, exit code 2."""
    word = {int: "an integer", float: "a number"}[kind]

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {word}") from None
        if value < 0 or (above_zero and value == 0):
            raise argparse.ArgumentTypeError(f"{text} must be {'positive' if above_zero else 'at least 0'}")
        return value
    parse.__name__ = f"{'positive' if above_zero else 'non-negative'} {kind.__name__}"
    return parse


def positive(kind: type = float) -> Callable[[str], float]:
    return _bounded(kind, above_zero=True)


def non_negative(kind: type = int) -> Callable[[str], float]:
    return _bounded(kind, above_zero=False)


def formats(text: str) -> list[str]:
    """A comma-separated list of names (empty items dropped)."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def for_each(items: list, work: Callable[[object], object]) -> int:
    """Apply ``work`` to every item; a user error on one is its own ``error:`` line and the others go on.
    Returns the exit code: 0, or 2 when any item failed."""
    failed = 0
    for item in items:
        try:
            work(item)
        except ShinobiToolsError as error:
            print("error: " + " ".join(str(error).split()), file=sys.stderr)
            failed += 1
    if failed and len(items) > 1:
        print(f"{failed} of {len(items)} failed; the others are done", file=sys.stderr)
    return USER_ERROR if failed else 0
