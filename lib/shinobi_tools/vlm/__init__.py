"""Video LLMs for gameplay annotation: one code path for real SmolVLM2 / Qwen2.5-VL checkpoints, the
offline embedded SmolVLM (SmolLM2-135M + a small random vision encoder) and tiny random test models.

Modules: ``config`` (typed run config), ``frames`` (PyAV sampling, time markers), ``family`` /
``smolvlm`` / ``qwen2_5_vl`` (what differs per model family), ``prompt`` (chat rendering, answer-only
labels), ``data`` / ``batch`` (QA records, examples, batches), ``model`` (load / prepare / save),
``embedded`` (the offline base), ``tiny`` (test models), ``annotate`` (whole-video annotation),
``synthetic`` (synthetic QA clips). Training: :mod:`shinobi_tools.finetune`. Heavy dependencies
(torch, transformers, peft, accelerate, gguf) are imported by the submodules, never here.
"""

from __future__ import annotations

_EXPORTS = {
    "load_model": "model", "load_base": "model", "save_model": "model", "VLM": "model",
    "annotate_video": "annotate", "merge_detections": "annotate", "iter_windows": "annotate",
    "build_embedded_base": "embedded", "extract_gguf": "embedded",
    "RunConfig": "config", "load_config": "config", "sample_frames": "frames",
    "write_synthetic_qa": "synthetic",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(name)


__all__ = sorted(_EXPORTS)
