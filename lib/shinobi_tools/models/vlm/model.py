"""Load any supported video LLM (real checkpoint, embedded base, tiny random, fine-tuned) the same way.

A model folder is an ordinary Hugging Face checkpoint (config, weights, tokenizer, preprocessor_config)
plus, after fine-tuning, ``shinobi_vlm.json`` (frames, prompt, clip length, event types), the auxiliary
head (``aux_head.pt``, :mod:`shinobi_tools.models.vlm.head`) and, when LoRA was not merged, an ``adapter/`` folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from shinobi_tools.errors import ConfigError, MissingCheckpointError
from shinobi_tools.models.vlm.config import ModelConfig
from shinobi_tools.models.vlm.families import family_for
from shinobi_tools.models.vlm.family import Family
from shinobi_tools.models.vlm.head import EventHead, HeadSettings, load_head, save_head

META_FILE = "shinobi_vlm.json"
ADAPTER_DIR = "adapter"


@dataclass
class VLM:
    model: nn.Module
    tokenizer: object
    family: Family
    #: Training metadata (fps, width, height, time_marker, prompt, clip_seconds, event_types); empty for bases.
    meta: dict = field(default_factory=dict)
    aux_head: EventHead | None = None
    #: How the auxiliary head's probabilities become detections, tuned on the validation clips.
    aux_settings: HeadSettings | None = None
    #: The fast video pathway (event head at the game's frame rate + fast tokens; :mod:`.fast`), or None.
    fast: object | None = None


def _image_stats(path: Path) -> tuple[list | None, list | None]:
    processor = path / "preprocessor_config.json"
    if not processor.exists():
        return None, None
    values = json.loads(processor.read_text())
    return values.get("image_mean"), values.get("image_std")


def load_model(path: str | Path, device: str | torch.device | None = None, dtype: torch.dtype | None = None) -> VLM:
    """Load a checkpoint folder: a base (real or embedded) or a fine-tuned ``<out>/final``."""
    from transformers import AutoConfig, AutoTokenizer
    from transformers.utils import logging

    logging.disable_progress_bar()  # one line per user error; no weight-loading bars in the logs
    path = Path(path)
    if not (path / "config.json").exists():
        raise MissingCheckpointError(f"{path}: not a model folder (no config.json)")
    try:
        config = AutoConfig.from_pretrained(path)
        family_cls = family_for(config.model_type)
        model = family_cls.model_class().from_pretrained(path, dtype=dtype or torch.float32)
        if (path / ADAPTER_DIR).is_dir():
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, path / ADAPTER_DIR)
        tokenizer = AutoTokenizer.from_pretrained(path)
        meta = json.loads((path / META_FILE).read_text()) if (path / META_FILE).exists() else {}
        family = family_cls(config, tokenizer, *_image_stats(path))
        loaded = load_head(path)
    except ConfigError:
        raise
    except Exception as error:  # transformers, safetensors and json raise many types for a damaged folder
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise MissingCheckpointError(f"{path}: not a loadable model folder ({type(error).__name__}: {first[:200]}); "
                                     "train or download it again") from None
    aux_head, settings = (loaded[0], loaded[2]) if loaded else (None, None)
    from shinobi_tools.models.vlm.fast.pathway import load_fast

    fast = load_fast(path)
    model.eval()
    if device is not None:
        model.to(device)
        if aux_head is not None:
            aux_head.to(device)
    return VLM(model, tokenizer, family, meta, aux_head, settings, fast)


def native_bf16() -> bool:
    """Whether bf16 math is fast here: a GPU, or a CPU with AVX512-BF16 / AMX (~1.5x faster than fp32)."""
    if torch.cuda.is_available():
        return True
    return bool(getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
                or getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())


def unwrapped(model: nn.Module) -> nn.Module:
    """The transformers model under a peft wrapper (the model itself otherwise)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def vision_feature_size(vlm: VLM) -> int:
    """Width of the vision tokens the language model reads (the event head's mean features)."""
    config = vlm.model.config
    return config.text_config.hidden_size


def change_feature_size(vlm: VLM) -> int:
    """Width of the features whose changes between steps the event head sees (see Family.change_module)."""
    if vlm.family.change_module(unwrapped(vlm.model)) is None:
        return vision_feature_size(vlm)
    return vlm.model.config.vision_config.hidden_size


def _set_trainable(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


def prepare_for_training(vlm: VLM, config: ModelConfig) -> nn.Module:
    """Freeze the base, add LoRA to the language model, unfreeze vision / connector as configured.

    Returns the peft-wrapped model (also stored in ``vlm.model``).
    """
    from peft import LoraConfig, get_peft_model

    base = vlm.model
    random_init = config.random_init
    train_vision = random_init if config.train_vision == "auto" else bool(config.train_vision)
    train_connector = True if config.train_connector == "auto" else bool(config.train_connector)
    _set_trainable(base, False)
    lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=vlm.family.lora_pattern(config.lora_targets), bias="none")
    model = get_peft_model(base, lora)
    _set_trainable(vlm.family.vision_tower(base), train_vision)
    if train_connector:
        _set_trainable(vlm.family.connector(base), True)
    vlm.model = model
    return model


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The parameters that train (LoRA, vision, connector), by name, on CPU."""
    return {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}


def load_trainable_state(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    missing = [n for n in state if n not in params]
    if missing:
        raise ValueError(f"checkpoint does not fit the model: {missing[:3]} ...")
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value.to(params[name].device, params[name].dtype))


def save_model(vlm: VLM, out: str | Path, meta: dict, merge: bool = True) -> Path:
    """Save a fine-tuned model as a loadable folder (base + merged LoRA, or base + ``adapter/``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = vlm.model
    if hasattr(model, "peft_config"):
        if merge:
            model = model.merge_and_unload()
            vlm.model = model
        else:
            model.save_pretrained(out / ADAPTER_DIR)
            model = model.get_base_model()
    model.save_pretrained(out)
    vlm.tokenizer.save_pretrained(out)
    write_preprocessor(vlm, out)
    (out / META_FILE).write_text(json.dumps(meta, indent=2))
    if vlm.aux_head is not None:
        save_head(vlm.aux_head, meta.get("event_types", []), vlm.aux_settings, out)
    if vlm.fast is not None:
        vlm.fast.save(out)
    return out


def write_preprocessor(vlm: VLM, out: Path) -> None:
    """A preprocessor_config.json with the normalisation used (readable by transformers' image processors)."""
    family = vlm.family
    values = {"image_mean": family.mean.flatten().tolist(), "image_std": family.std.flatten().tolist(),
              "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True}
    if family.model_type == "smolvlm":
        side = vlm.model.config.vision_config.image_size
        values.update(image_processor_type="SmolVLMImageProcessor", do_image_splitting=False,
                      max_image_size={"longest_edge": side}, size={"longest_edge": side}, do_resize=True)
    else:
        vision = vlm.model.config.vision_config
        values.update(image_processor_type="Qwen2VLImageProcessor", patch_size=vision.patch_size,
                      merge_size=vision.spatial_merge_size, temporal_patch_size=vision.temporal_patch_size)
    existing = out / "preprocessor_config.json"
    if not existing.exists():
        existing.write_text(json.dumps(values, indent=2))
