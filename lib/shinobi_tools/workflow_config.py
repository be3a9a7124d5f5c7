"""The workflow's configuration (config/config.yaml): filled with the schema's defaults, checked against its types
and bounds, then for consistency between keys; any problem is one :class:`ConfigError` line naming the key.

The Snakefile calls :func:`validate_config` before it plans anything (config/schema.yaml keeps the types, bounds
and defaults; config/config.yaml documents each key).
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

from shinobi_tools.errors import ConfigError


def _with_defaults(base):
    """A JSON-schema validator class that also fills in the defaults of absent properties (as Snakemake's own
    ``validate(..., set_default=True)`` does)."""
    from jsonschema import validators

    check_properties = base.VALIDATORS["properties"]

    def properties(validator, schema_properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in schema_properties.items():
                if "default" in subschema:
                    instance.setdefault(name, subschema["default"])
        yield from check_properties(validator, schema_properties, instance, schema)

    return validators.extend(base, {"properties": properties})


def validate_config(config: dict, schema_path: str | Path) -> None:
    """Fill in defaults and check ``config`` in place; raise one :class:`ConfigError` line on the first problem."""
    from jsonschema import Draft202012Validator

    schema = yaml.safe_load(Path(schema_path).read_text())
    errors = sorted(_with_defaults(Draft202012Validator)(schema).iter_errors(config),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        error = errors[0]
        key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        key = key or "the config"
        raise ConfigError(f"config: {key}: {error.message}; see config/config.yaml")
    check_consistency(config)


def check_consistency(config: dict) -> None:
    """What a schema cannot say: values that must agree with each other."""
    split = config["split"]
    fractions = split["fractions"]
    if not math.isclose(sum(fractions), 1.0, abs_tol=1e-6):
        raise ConfigError(f"config: split.fractions {fractions} must sum to 1 (train, val, test shares)")
    if (split["by"] == "explicit") != bool(split["explicit"]):
        raise ConfigError("config: split.explicit (a YAML of run lists) goes with split.by: explicit, and only with it")
    clips = config["clips"]
    if clips["stride"] > clips["length"]:
        raise ConfigError(f"config: clips.stride {clips['stride']} is longer than clips.length {clips['length']}: "
                          "gameplay between the windows would never be seen")
    tolerances = config["evaluation"]["tolerances"]
    if len(set(tolerances)) != len(tolerances):
        raise ConfigError(f"config: evaluation.tolerances {tolerances} has repeated values")
