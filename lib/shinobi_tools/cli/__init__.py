"""The ``shinobi-tools`` command line: one sub-command per stage, each a thin wrapper of a library call.

Every user error (:class:`shinobi_tools.errors.ShinobiToolsError`: a bad file, value or config, a missing ROM or
checkpoint) ends the command with one ``error:`` line naming the file or key and the fix, and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from shinobi_tools.cli import dataset, evaluation, events, media, models, replay, report
from shinobi_tools.cli.common import USER_ERROR, is_worker_echo
from shinobi_tools.errors import ShinobiToolsError

_STAGES = (replay, events, media, dataset, models, evaluation, report)


class OneLineParser(argparse.ArgumentParser):
    """argparse with its usage errors as one ``error:`` line (exit code 2), like every other user error."""

    def error(self, message: str):
        self.exit(USER_ERROR, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="shinobi-tools", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for stage in _STAGES:
        stage.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ShinobiToolsError as error:
        if is_worker_echo():  # the first worker of a multi-process launch already said it
            return USER_ERROR
        print("error: " + " ".join(str(error).split()), file=sys.stderr)   # one line, whatever the message
        return USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
