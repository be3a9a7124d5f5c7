"""The one parser for BIDS-like run names (CNeuroMod layout).

``sub-01_ses-003_task-shinobi_run-01_level-1_rep-01.bk2`` →
RunName(subject="01", session="003", task="shinobi", run="01", level="1", rep="01").
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from shinobi_tools.errors import InputError

_PATTERN = re.compile(
    r"sub-(?P<subject>[A-Za-z0-9]+)"
    r"_ses-(?P<session>[A-Za-z0-9]+)"
    r"_task-(?P<task>[A-Za-z0-9]+)"
    r"_run-(?P<run>[A-Za-z0-9]+)"
    r"(?:_level-(?P<level>[A-Za-z0-9]+))?"
    r"(?:_rep-(?P<rep>[A-Za-z0-9]+))?"
)


#: Endings of per-run files (longest first): what :func:`run_of` strips to get the run name.
RUN_FILE_ENDINGS = (
    "_states.parquet", "_variables.json.gz", "_variables.json", "_events.tsv", "_events.json", "_summary.json",
    ".parquet", ".json.gz", ".json", ".tsv", ".mp4", ".bk2",
)


@dataclass(frozen=True)
class RunName:
    subject: str
    session: str
    task: str
    run: str
    level: str | None = None
    rep: str | None = None

    @property
    def stem(self) -> str:
        """The name without suffix or extension, e.g. ``sub-01_ses-003_task-shinobi_run-01_level-1_rep-01``."""
        parts = [f"sub-{self.subject}", f"ses-{self.session}", f"task-{self.task}", f"run-{self.run}"]
        if self.level is not None:
            parts.append(f"level-{self.level}")
        if self.rep is not None:
            parts.append(f"rep-{self.rep}")
        return "_".join(parts)

    @property
    def folder(self) -> Path:
        """Where CNeuroMod keeps this run's replay, relative to the dataset root."""
        return Path(f"sub-{self.subject}") / f"ses-{self.session}" / "gamelogs"


def run_of(path: str | Path) -> str:
    """The run name of a per-run file: ``x_states.parquet``, ``x_events.tsv``, ``x.mp4``... → ``x``."""
    name = Path(path).name
    for ending in RUN_FILE_ENDINGS:
        if name.endswith(ending):
            return name[: -len(ending)]
    return name


def parse_run_name(name: str | Path) -> RunName:
    """Parse a run name from a file name or path (any suffix such as ``_states.parquet`` is ignored)."""
    base = Path(name).name
    match = _PATTERN.match(base)
    if match is None:
        raise InputError(
            f"{name}: not a BIDS-like run name; expected "
            "sub-XX_ses-YYY_task-NAME_run-NN[_level-L][_rep-RR] at the start of the file name"
        )
    return RunName(**match.groupdict())


def find_runs(root: str | Path, extension: str = ".bk2") -> list[RunName]:
    """Every run under ``root`` whose file name parses, sorted; symlinks count even when broken (annexed)."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: dataset folder not found; set `dataset` in config/config.yaml (a DataLad dataset: "
                         f"`datalad clone URL {root}`)")
    runs = set()
    for path in root.glob(f"sub-*/ses-*/gamelogs/*{extension}"):
        match = _PATTERN.match(path.name)
        if match is None:
            continue
        run = RunName(**match.groupdict())
        if run.stem + extension == path.name:
            runs.add(run)
    return sorted(runs, key=lambda run: run.stem)


def annex_key(path: str | Path) -> str:
    """The git-annex key (content hash) of an annexed file: the name its symlink points to ("" for a plain file)."""
    path = Path(path)
    return Path(os.readlink(path)).name if path.is_symlink() else ""
