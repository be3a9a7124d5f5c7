"""A stable-retro game's own integration: its id, folder and platform, and the RAM variables of its ``data.json``,
read with the rules stable-retro applies when it computes ``info``.

stable-retro (``src/data.cpp``, ``src/memory.cpp``) loads ``data.json`` as ``{"info": {name: {"address": int, "type":
str, "mask": int?}}}``: a variable without ``address`` or ``type`` makes the whole file fail; a type shorter than 3
characters or wider than 8 bytes is skipped silently. A type is ``<endian><kind><bytes>``: endian ``|`` (one byte),
``<`` little, ``>`` big, ``=`` native, ``><``/``<>`` (16-bit halves swapped), ``>=``/``<=``; kind ``u`` unsigned,
``i`` signed, ``d`` BCD (two digits a byte), ``n`` low-nibble BCD (one digit a byte). The value is the decoded
integer ``& mask`` (all ones when absent): applied after sign extension, never shifted (Asteroids' ``lives``, mask
240, reads 64, 48, 32 ...), a negative JSON mask being its 64-bit two's complement. The replay decodes with
stable-retro's own ``memory.extract`` (which applies no mask) and then :meth:`RamVariable.read` applies the mask.

Games are looked up among all integrations (``Integrations.ALL``: stable, experimental, contrib): stable-retro's
default (stable only) silently hides the others.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from shinobi_tools.errors import InputError

#: stable-retro's type notation: endianness, kind (u/i unsigned/signed, d BCD, n nibble BCD), width in bytes.
TYPE_PATTERN = re.compile(r"^(?:\||=|<|>|<>|><|<=|>=)[uidn][1-8]$")
_UINT64 = 1 << 64


def signed_mask(mask: int | None) -> int | None:
    """A mask as the signed 64-bit integer stable-retro's ``uint64`` mask acts as on an ``int64`` value."""
    if mask is None:
        return None
    mask = int(mask) % _UINT64
    return mask - _UINT64 if mask >> 63 else mask


@dataclass(frozen=True)
class RamVariable:
    """One RAM variable: name, absolute address in the platform's address space, stable-retro type, optional mask."""

    name: str
    address: int
    type: str
    description: str = ""
    mask: int | None = None

    def __post_init__(self) -> None:
        if not TYPE_PATTERN.match(self.type):
            raise InputError(f"RAM variable {self.name!r}: type {self.type!r} is not stable-retro notation like "
                             "'>u2', '|i1', '>d4' or '><d4'")
        object.__setattr__(self, "mask", signed_mask(self.mask))

    def read(self, memory) -> int:
        """The value stable-retro's ``info`` gives: ``memory.extract`` (its decoder, no mask), then the mask."""
        value = int(memory.extract(self.address, self.type))
        return value if self.mask is None else value & self.mask


def _retro_data():
    import stable_retro.data

    return stable_retro.data


def all_integrations():
    """stable-retro's ``Integrations.ALL`` (stable, experimental and contrib games)."""
    return _retro_data().Integrations.ALL


def integration_dir(retro_id: str) -> Path | None:
    """The folder of a game's integration (``rom.sha``, ``data.json``, states), or None for an unknown id."""
    sha = _retro_data().get_file_path(retro_id, "rom.sha", all_integrations())
    return Path(sha).parent if sha else None


@cache
def find_retro_id(name: str) -> str | None:
    """The stable-retro id a name refers to (``Breakout-Atari2600-v0``; ``Breakout-Atari2600`` as written by older
    headers), or None when no integration has it."""
    for candidate in (name, f"{name}-v0"):
        if "/" not in candidate and candidate not in (".", "..") and integration_dir(candidate) is not None:
            return candidate
    return None


def system_of_game(retro_id: str) -> str:
    """The platform (core name) of a game: its imported ROM's extension, as stable-retro decides, else the id's
    platform suffix (``Pong-Atari2600-v0``), else ``metadata.json``'s ``system`` (``MortalKombat2-Arcade-v0``)."""
    retro = _retro_data()
    folder = integration_dir(retro_id)
    if folder is None:
        raise InputError(f"{retro_id!r} is not a stable-retro game; give a stable-retro id such as "
                         "Breakout-Atari2600-v0 (stable_retro.data.list_games() lists them)")
    for entry in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(entry)
        if stem == "rom" and ext in retro.EMU_EXTENSIONS:
            return retro.EMU_EXTENSIONS[ext]
    suffix = retro_id.removesuffix("-v0").rsplit("-", 1)[-1]
    if suffix in retro.EMU_INFO:
        return suffix
    metadata = folder / "metadata.json"
    if metadata.exists():
        system = json.loads(metadata.read_text()).get("system")
        if system in retro.EMU_INFO:
            return system
    raise InputError(f"{folder}: cannot tell the platform of {retro_id} (its suffix {suffix!r} is not a "
                     "stable-retro core and metadata.json names no system)")


def data_json(retro_id: str) -> Path:
    path = _retro_data().get_file_path(retro_id, "data.json", all_integrations())
    if not path:
        raise InputError(f"{retro_id}: its stable-retro integration has no data.json; write a game YAML for it "
                         "(lib/shinobi_tools/games/data/, or a folder in SHINOBI_TOOLS_GAMES)")
    return Path(path)


def read_data_json(path: str | Path) -> tuple[RamVariable, ...]:
    """The variables of a ``data.json``, in file order, loaded with stable-retro's rules (see the module doc)."""
    path = Path(path)
    try:
        info = json.loads(path.read_text()).get("info")
    except (OSError, ValueError, AttributeError) as error:
        raise InputError(f"{path}: not a readable stable-retro data.json ({error})") from None
    if not isinstance(info, dict):
        raise InputError(f"{path}: no `info` object, stable-retro refuses this data.json; fix the file")
    variables = []
    for name, spec in info.items():
        if not isinstance(spec, dict) or "address" not in spec or "type" not in spec:
            raise InputError(f"{path}: variable {name!r} lacks `address` or `type`, stable-retro refuses this "
                             "data.json; fix the file")
        if not TYPE_PATTERN.match(str(spec["type"])):
            continue  # stable-retro skips it too
        variables.append(RamVariable(name, int(spec["address"]), str(spec["type"]), mask=spec.get("mask")))
    return tuple(variables)


def integration_variables(retro_id: str) -> tuple[RamVariable, ...]:
    """The ``info`` variables of a stable-retro game, as stable-retro computes them."""
    return read_data_json(data_json(retro_id))
