"""Atomic outputs: a file appears complete or not at all, whatever stops the process.

Writers write to a hidden per-process partial file beside the target and rename it into place, so an error or a
kill leaves nothing behind under the target's name and two processes writing the same target never share a
partial file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from shinobi_tools.errors import InputError


def partial_path(path: str | Path) -> Path:
    """The hidden partial file of ``path`` for this process, with the same extension (writers pick the format
    from it): ``out/x.mp4`` → ``out/.x.<pid>.partial.mp4``."""
    path = Path(path)
    suffix = "".join(path.suffixes[-1:])
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return path.with_name(f".{stem}.{os.getpid()}.partial{suffix}")


def ensure_folder(folder: str | Path) -> Path:
    """Create ``folder`` (and its parents); an unusable place is one :class:`InputError` line."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{folder}: exists and is not a folder; give another output folder") from None
    except PermissionError:
        raise InputError(f"{folder}: permission denied; give a folder you can write to") from None
    if not os.access(folder, os.W_OK):
        raise InputError(f"{folder}: not writable; give a folder you can write to")
    return folder


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield the partial path to write; on success it replaces ``path``, on any error it is removed."""
    path = Path(path)
    ensure_folder(path.parent)
    partial = partial_path(path)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """Yield a partial folder to fill; on success it replaces the folder ``path`` (and what it held), on any error
    it is removed and ``path`` is left as it was."""
    path = Path(path)
    ensure_folder(path.parent)
    partial = partial_path(path)
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
        if path.exists():
            shutil.rmtree(path)
        os.replace(partial, path)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def write_text(path: str | Path, text: str) -> Path:
    with atomic_output(path) as partial:
        partial.write_text(text)
    return Path(path)


def write_json(path: str | Path, data, indent: int | None = 1) -> Path:
    return write_text(path, json.dumps(data, indent=indent) + "\n")


def read_tsv(path: str | Path, required: tuple[str, ...] = (), what: str = "a table", **options) -> pd.DataFrame:
    """A tab-separated table with the ``required`` columns; anything else is one :class:`InputError` line that
    says what was expected (``what``, with its article; ``options`` go to :func:`pandas.read_csv`)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found; give {what}")
    try:
        table = pd.read_csv(path, sep="\t", **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"{path}: not {what} ({first})") from None
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(f"{path}: not {what}: column(s) {', '.join(missing)} missing (tab-separated, with "
                         f"{', '.join(required)})")
    return table
