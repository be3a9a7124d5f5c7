"""Stage 1: get replays' content from a DataLad dataset (``datalad get``) and copy them out of the dataset.

The copies are what the replay reads, so the dataset's own files (annexed symlinks) stay out of Snakemake's file
checks and a later ``datalad drop`` reruns nothing. A file whose content cannot be fetched is one ``error:`` line
naming it, the command that failed and DataLad's reason; the other files are still fetched.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from shinobi_tools.errors import InputError
from shinobi_tools.files import atomic_output, ensure_folder


def _reason(output: str) -> str:
    """DataLad's first line that says what went wrong, on one line."""
    for line in output.splitlines():
        if any(word in line.lower() for word in ("error", "fail", "unable")):
            return " ".join(line.split())
    return " ".join(output.split())[:300]


def fetch_file(dataset: str | Path, path: str | Path, out_dir: str | Path) -> Path:
    """``datalad get`` one file of ``dataset`` and copy it into ``out_dir``; return the copy."""
    if shutil.which("datalad") is None:
        raise InputError("datalad is not installed; `pip install datalad git-annex` (the `workflow` extra)")
    result = subprocess.run(["datalad", "get", "-d", str(dataset), str(path)], capture_output=True, text=True)
    if result.returncode != 0 or not Path(path).exists():
        raise InputError(f"{path}: content not available; `datalad get -d {dataset} {path}` failed: "
                         f"{_reason(result.stdout + result.stderr)} (check access to the dataset's siblings: "
                         f"datalad siblings -d {dataset})")
    target = ensure_folder(out_dir) / Path(path).name
    with atomic_output(target) as partial:
        shutil.copyfile(path, partial)
    return target
