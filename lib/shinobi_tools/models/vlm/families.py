"""The supported model families, in one explicit table: a checkpoint's ``model_type`` → its Family class."""

from __future__ import annotations

from shinobi_tools.errors import ConfigError
from shinobi_tools.models.vlm.family import Family
from shinobi_tools.models.vlm.qwen2_5_vl import Qwen2_5_VLFamily
from shinobi_tools.models.vlm.qwen3_vl import Qwen3_VLFamily
from shinobi_tools.models.vlm.smolvlm import SmolVLMFamily

FAMILIES: dict[str, type[Family]] = {cls.model_type: cls for cls in (SmolVLMFamily, Qwen2_5_VLFamily, Qwen3_VLFamily)}


def family_for(model_type: str) -> type[Family]:
    if model_type not in FAMILIES:
        raise ConfigError(f"unsupported model type {model_type!r}; supported: {', '.join(FAMILIES)}")
    return FAMILIES[model_type]
