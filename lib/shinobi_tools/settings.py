"""Typed settings from YAML: dataclasses filled from mappings, every key and type checked, errors as one line.

The dataclass is the one place a setting and its default are documented; a YAML file overrides only what
differs. A typo, a wrong type or an impossible value is a :class:`ConfigError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from shinobi_tools.errors import ConfigError

_SCALARS = {"int": int, "float": float, "bool": bool, "str": str}
_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string", "list": "a list",
          "dict": "a mapping", "None": "null"}


def _describe(annotation: str) -> str:
    """``float | None`` → ``a number or null``."""
    return " or ".join(_WORDS.get(kind.strip().split("[")[0], kind.strip()) for kind in annotation.split("|"))


def read_yaml_mapping(path: str | Path) -> dict:
    """A YAML file holding one mapping (an empty file is an empty mapping)."""
    path = Path(path)
    try:
        values = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file ({error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}; fix the syntax") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
    return values


def _coerce(value: Any, annotation: str, key: str) -> Any:
    """``value`` checked against a field annotation such as ``int``, ``float | None``, ``list[int]``."""
    kinds = [part.strip() for part in annotation.split("|")]
    if value is None:
        if "None" in kinds:
            return None
        raise ConfigError(f"{key} must be {_describe(annotation)}, not null")
    for kind in kinds:
        base = kind.split("[")[0]
        if base == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if base == "float" and isinstance(value, str):
            try:  # YAML reads 2e-3 (no dot) as a string
                return float(value)
            except ValueError:
                continue
        if base == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if base in ("bool", "str") and isinstance(value, _SCALARS[base]):
            return value
        if base == "list" and isinstance(value, (list, tuple)):
            inner = kind[5:-1] if "[" in kind else ""
            return [_coerce(v, inner, f"{key}[{i}]") for i, v in enumerate(value)] if inner else list(value)
        if base == "dict" and isinstance(value, dict):
            return dict(value)
    raise ConfigError(f"{key} must be {_describe(annotation)}, not {value!r}")


def from_mapping(cls: type, values: Mapping | None, where: str = "", source: str = "") -> Any:
    """An instance of the dataclass ``cls`` from ``values``; nested dataclass fields take nested mappings.

    ``where``: the key prefix of this section in messages (``train``); ``source``: the file, named first.
    """
    prefix = f"{source}: " if source else ""
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ConfigError(f"{prefix}{where or 'the config'} must be a mapping of keys to values, not {values!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        keys = ", ".join(f"{where}.{k}" if where else str(k) for k in unknown)
        raise ConfigError(f"{prefix}unknown config key(s) {keys}; known: {', '.join(known)}")
    kwargs = {}
    for name, value in values.items():
        key = f"{where}.{name}" if where else name
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            kwargs[name] = from_mapping(hint, value, key, source)
            continue
        try:
            kwargs[name] = _coerce(value, str(known[name].type), key)
        except ConfigError as error:
            raise ConfigError(f"{prefix}{error}") from None
    return cls(**kwargs)


def set_dotted(values: dict, dotted: str, value: Any) -> None:
    """``values["train"]["steps"] = value`` for ``dotted = "train.steps"`` (creating the sections)."""
    *sections, key = dotted.split(".")
    target = values
    for section in sections:
        nested = target.setdefault(section, {})
        if not isinstance(nested, dict):
            raise ConfigError(f"--set {dotted}: {section} is not a section")
        target = nested
    target[key] = value


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["train.steps=20", "model.kind=tiny-smolvlm"]`` → ``{"train.steps": 20, ...}`` (values read as YAML)."""
    overrides = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: write SECTION.KEY=VALUE, e.g. --set train.steps=20")
        try:
            overrides[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError:
            raise ConfigError(f"--set {item!r}: the value is not valid YAML") from None
    return overrides
