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
    def session_folder(self) -> str:
        """The run's session, ``sub-01/ses-003``: the unit of the workflow's per-run jobs and of result folders."""
        return f"sub-{self.subject}/ses-{self.session}"

    @property
    def folder(self) -> Path:
        """Where CNeuroMod keeps this run's replay, relative to the dataset root."""
        return Path(self.session_folder) / "gamelogs"


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


@dataclass(frozen=True)
class Discovery:
    """The runs of a dataset folder, and the files it ignored with the reason of each."""

    runs: list[RunName]
    ignored: list[tuple[Path, str]]

    def warning(self) -> str | None:
        """One warning naming every ignored file and why (None when nothing was ignored)."""
        if not self.ignored:
            return None
        items = "; ".join(f"{path} ({reason})" for path, reason in self.ignored)
        return f"warning: {len(self.ignored)} file(s) ignored: {items}"


def discover_runs(root: str | Path, annexed_ok: bool = True, extension: str = ".bk2") -> Discovery:
    """Every run under ``root`` in the layout ``sub-XX/ses-YYY/gamelogs/<run>.bk2``, sorted, and what was ignored:
    files elsewhere or whose name does not parse, files in another run's folder, duplicates and — unless
    ``annexed_ok`` (a DataLad dataset, whose content is fetched per run) — annexed files without content."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: dataset folder not found; set `dataset` in config/config.yaml (a DataLad dataset: "
                         f"`datalad clone URL {root}`)")
    runs: dict[str, RunName] = {}
    ignored: list[tuple[Path, str]] = []
    for path in sorted(root.rglob(f"*{extension}")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # .git, .datalad and other hidden folders
        match = _PATTERN.match(path.name)
        if match is None or RunName(**match.groupdict()).stem + extension != path.name:
            ignored.append((path, "name is not sub-XX_ses-YYY_task-NAME_run-NN[_level-L][_rep-RR]" + extension))
            continue
        run = RunName(**match.groupdict())
        if path.parent.relative_to(root) != run.folder:
            ignored.append((path, f"in the wrong folder: its name says {run.folder}"))
        elif path.is_symlink() and not path.exists() and not annexed_ok:
            ignored.append((path, "annexed without content: `datalad get` it, or use the DataLad dataset itself"))
        elif run.stem in runs:
            ignored.append((path, "a second file of the same run"))
        else:
            runs[run.stem] = run
    return Discovery(sorted(runs.values(), key=lambda run: run.stem), ignored)


def annex_key(path: str | Path) -> str:
    """The git-annex key (content hash) of an annexed file: the name its symlink points to ("" for a plain file)."""
    path = Path(path)
    return Path(os.readlink(path)).name if path.is_symlink() else ""
