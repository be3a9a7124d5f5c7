"""Fine-tune a video LLM on the emulator-derived QA clips: LoRA on the language model, the randomly
initialised vision encoder / connector trained fully, an optional auxiliary per-frame event loss.

Launch (the resolved config, checkpoints, metrics.tsv and final/ go to ``train.output_dir``)::

    shinobi-tools finetune --config config/finetune_demo.yaml [--set train.steps=20 ...]
    python -m shinobi_tools.finetune --config ...      (the same; the form `accelerate launch -m` needs)

Rerunning the same command after an interruption (a SLURM time-out) resumes from the latest checkpoint;
SIGTERM / SIGUSR1 save one before exiting. Sections: model, data, training (one readable loop).
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch

from shinobi_tools.models.vlm.bases import load_base
from shinobi_tools.models.vlm.batch import ClipDataset, collate_examples, infinite_batches
from shinobi_tools.models.vlm.calibration import tune_head
from shinobi_tools.models.vlm.config import RunConfig, config_to_dict, save_config
from shinobi_tools.models.vlm.data import event_types, load_qa, positive_weights, sampling_weights
from shinobi_tools.models.vlm.family import VisionCapture
from shinobi_tools.models.vlm.fast.pretrain import fast_training
from shinobi_tools.models.vlm.fast.tokens import add_fast_token
from shinobi_tools.models.vlm.frames import pixel_stats, sample_frames
from shinobi_tools.models.vlm.head import EventHead
from shinobi_tools.models.vlm.model import (
    change_feature_size,
    load_trainable_state,
    native_bf16,
    prepare_for_training,
    save_model,
    trainable_state,
    vision_feature_size,
)
from shinobi_tools.models.vlm.parallel import any_process, check_world, mean_over_processes, shard
from shinobi_tools.models.vlm.resume import check_resume
from shinobi_tools.models.vlm.targets import resolve_answer_types, shape_messages

CHECKPOINT_PREFIX = "step-"
METRICS_COLUMNS = ["step", "loss", "lm_loss", "aux_loss", "lr", "val_loss", "tokens", "seconds"]


def latest_checkpoint(directory: Path) -> Path | None:
    """The newest complete checkpoint folder (``step-NNNNNN`` holding state.pt), if any."""
    done = sorted(p for p in directory.glob(f"{CHECKPOINT_PREFIX}*") if (p / "state.pt").exists())
    return done[-1] if done else None


def lr_factor(step: int, config: RunConfig) -> float:
    """Linear warm-up, then cosine decay to ``min_lr_ratio`` at the phase's last step (nanoGPT); the vision
    warm-up steps and the joint steps are two phases with their own schedule."""
    t = config.train
    start, end = (0, t.vision_warmup_steps) if step < t.vision_warmup_steps else (t.vision_warmup_steps, t.total_steps)
    local = step - start
    if local < t.warmup_steps:
        return (local + 1) / (t.warmup_steps + 1)
    progress = min(1.0, (local - t.warmup_steps) / max(1, end - start - t.warmup_steps))
    return t.min_lr_ratio + (1 - t.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


class _StopFlag:
    """Set by SIGTERM / SIGUSR1 (SLURM's warning before a time-out) and Ctrl-C (SIGINT): checkpoint after the
    current step and stop; a second Ctrl-C stops at once."""

    def __init__(self) -> None:
        self.raised = False
        for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGUSR1", None)):
            if sig is not None:
                try:
                    signal.signal(sig, self._handler)
                except ValueError:  # not the main thread (e.g. called from a test runner thread)
                    pass

    def _handler(self, signum, frame) -> None:
        if self.raised and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if signum == signal.SIGINT:
            print("Ctrl-C: saving a checkpoint after this step (Ctrl-C again stops at once)", file=sys.stderr)
        self.raised = True


def train(config: RunConfig, max_steps_this_run: int | None = None, game: str | None = None,
          allow_changes: tuple[str, ...] = ()) -> Path:
    """Run (or resume) the fine-tuning; return ``<output_dir>/final``.

    ``game`` (a game definition name) resolves ``data.answer_types: salient``. A resume refuses settings that
    differ from the saved run's except the ``allow_changes`` keys (recorded; see :mod:`.resume`).

    ``max_steps_this_run`` stops early after that many optimizer steps (with a checkpoint), as a time-out would;
    the returned folder then does not exist yet. Under ``accelerate launch --num_processes N`` every process
    trains on its shard of each global batch (:mod:`.parallel`) and only the main one writes.
    """
    from accelerate import Accelerator

    t = config.train
    out = Path(t.output_dir)
    checkpoints = out / "checkpoints"
    final = out / "final"
    if (final / "shinobi_vlm.json").exists():
        print(f"{final} exists: training is complete", file=sys.stderr)
        return final
    precision = t.mixed_precision if t.mixed_precision != "auto" else ("bf16" if native_bf16() else "no")
    accelerator = Accelerator(mixed_precision=precision, cpu=not torch.cuda.is_available())
    main = accelerator.is_main_process
    check_world(t.batch_size, accelerator.num_processes)
    if main:
        checkpoints.mkdir(parents=True, exist_ok=True)
    accelerator.wait_for_everyone()
    if t.cpu_threads and accelerator.device.type == "cpu":
        torch.set_num_threads(t.cpu_threads)
    torch.manual_seed(t.seed)

    # ---- model -------------------------------------------------------------------------------------
    vlm = load_base(config.model, t.seed)
    fast_tokens = config.fast.enabled and config.fast.tokens_per_step > 0
    fast_token_id = add_fast_token(vlm) if fast_tokens else None  # before LoRA wraps the embeddings
    base = vlm.model
    family = vlm.family
    model = prepare_for_training(vlm, config.model)
    if t.gradient_checkpointing:  # recompute activations in the backward pass: less memory, ~30 % more compute
        base.config.use_cache = False
        kwargs = {"use_reentrant": False}
        if hasattr(base, "activation_checkpointing_enable"):  # transformers >= 5.2 name
            base.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            base.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)

    # ---- data --------------------------------------------------------------------------------------
    train_records = load_qa(config.data.train)
    val_records = load_qa(config.data.val) if config.data.val else []
    if config.frames.normalize == "data" or (config.frames.normalize == "auto" and config.model.random_init):
        family.set_normalisation(*pixel_stats([r.video for r in train_records[:: max(1, len(train_records) // 16)]],
                                              config.frames.fps, config.frames.width, config.frames.height))
    types = event_types(train_records)
    warning = resolve_answer_types(config.data, game, types)
    if warning and main:
        print(warning, file=sys.stderr)
    latest = latest_checkpoint(checkpoints)
    if latest is not None:  # the saved run's settings hold unless changes are allowed (and recorded)
        check_resume(out / "config.yaml", config_to_dict(config), int(latest.name[len(CHECKPOINT_PREFIX):]),
                     allow_changes, record=main)
    if main:
        save_config(config, out / "config.yaml")  # resolved
    fast = fast_training(config, vlm, base, fast_token_id, vision_feature_size(vlm), train_records, val_records, types,
                         out, accelerator) if config.fast.enabled else None
    clips_fast = fast.clips if fast else None
    train_set = ClipDataset(train_records, family, config.frames, types, config.data, clips_fast)
    val_set = ClipDataset(val_records, family, dataclasses.replace(config.frames, jitter=1), types, config.data,
                          clips_fast)
    weights = sampling_weights(train_records, config.data.oversample_power, config.data.oversample)
    pad_id = vlm.tokenizer.pad_token_id if vlm.tokenizer.pad_token_id is not None else vlm.tokenizer.eos_token_id
    use_aux = t.aux_loss_weight > 0 and bool(types)
    capture = VisionCapture(family, base)
    aux_head = EventHead(vision_feature_size(vlm), len(types), change_feature_size(vlm))
    pos_weight = positive_weights(train_records, types, t.aux_max_pos_weight)

    # ---- optimizer, resume ------------------------------------------------------------------------
    lora = [p for n, p in model.named_parameters() if p.requires_grad and "lora_" in n]
    full = [p for n, p in model.named_parameters() if p.requires_grad and "lora_" not in n]
    full += list(aux_head.parameters()) if use_aux else []
    projector = fast.projector if fast and fast.projector is not None else torch.nn.Identity()
    full += list(projector.parameters())  # the fast tokens' projector trains with the vision side
    lr_full = t.lr_vision if t.lr_vision is not None else t.lr
    groups = [g for g in ({"params": lora, "lr": t.lr, "base_lr": t.lr},
                          {"params": full, "lr": lr_full, "base_lr": lr_full}) if g["params"]]
    optimizer = torch.optim.AdamW(groups, weight_decay=t.weight_decay, betas=(0.9, 0.95))
    model, aux_head, optimizer = accelerator.prepare(model, aux_head, optimizer)
    if fast and fast.projector is not None:  # (DDP refuses a module without parameters: only a real projector)
        fast.projector = projector = accelerator.prepare(projector)
    pos_weight = pos_weight.to(accelerator.device)
    step = 0
    if latest is not None:
        state = torch.load(latest / "state.pt", map_location="cpu", weights_only=False)
        load_trainable_state(model, state["trainable"])
        aux_head.load_state_dict(state["aux_head"])
        projector.load_state_dict(state.get("projector") or {})
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        step = state["step"]
        print(f"resuming from {latest} (step {step})", file=sys.stderr)
    metrics_path = out / "metrics.tsv"
    _truncate_metrics(metrics_path, step)
    n_params = sum(p.numel() for g in groups for p in g["params"])
    if main:
        print(f"{family.name}: {n_params / 1e6:.2f} M trainable parameters, {len(train_records)} training records, "
              f"event types {types}, aux loss {'on' if use_aux else 'off'}, precision {precision}, training on "
              f"{accelerator.num_processes} process(es) ({accelerator.device.type})", file=sys.stderr)

    def forward(examples, vision_only: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
        """(total loss, language-model loss, auxiliary loss, tokens); ``vision_only``: the encoder, no LM."""
        batch, targets, counts = collate_examples(examples, family, pad_id)
        batch = {k: v.to(accelerator.device) for k, v in batch.items()}
        capture.clear()
        with accelerator.autocast():
            if vision_only:
                family.encode_images(base, batch)
                lm_loss = torch.full((), float("nan"), device=accelerator.device)
            else:
                if fast:
                    fast.inject(examples, accelerator.device)
                lm_loss = model(**batch).loss
        aux_loss = torch.zeros((), device=accelerator.device)
        if use_aux and capture:
            tokens, patches = capture.inputs(batch)
            if tokens.shape[0] == targets.shape[0]:
                logits = aux_head(tokens, patches, counts)
                aux_loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, targets.to(logits.device), pos_weight=pos_weight)
        if vision_only:
            return aux_loss, lm_loss, aux_loss, 0
        return lm_loss + t.aux_loss_weight * aux_loss, lm_loss, aux_loss, int(batch["attention_mask"].sum())

    @torch.no_grad()
    def validation_loss() -> float:
        if not len(val_set):
            return float("nan")
        model.eval()
        losses = []
        for b in range(0, min(len(val_set), t.eval_batches * t.batch_size), t.batch_size):
            examples = [val_set[i] for i in range(b, min(b + t.batch_size, len(val_set)))]
            losses.append(forward(examples)[1].item())
        model.train()
        return float(np.mean(losses))

    def save_checkpoint() -> None:
        if not main:
            return
        target = checkpoints / f"{CHECKPOINT_PREFIX}{step:06d}"
        partial = checkpoints / f".partial-{step:06d}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        torch.save({"trainable": trainable_state(model), "aux_head": aux_head.state_dict(),
                    "projector": accelerator.unwrap_model(projector).state_dict(),
                    "optimizer": optimizer.state_dict(), "step": step, "torch_rng": torch.get_rng_state(),
                    "event_types": types}, partial / "state.pt")
        save_config(config, partial / "config.yaml")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
        kept = sorted(p for p in checkpoints.glob(f"{CHECKPOINT_PREFIX}*") if (p / "state.pt").exists())
        for old in kept[: max(0, len(kept) - max(1, t.keep_checkpoints))]:
            shutil.rmtree(old)

    # ---- training ----------------------------------------------------------------------------------
    stop = _StopFlag()
    batches = infinite_batches(train_set, t.batch_size, weights, t.seed, start_batch=step * t.grad_accum)
    model.train()
    start_step = step
    with open(metrics_path if main else os.devnull, "a", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        if main and handle.tell() == 0:
            writer.writerow(METRICS_COLUMNS)
        while step < t.total_steps:
            began = time.perf_counter()
            factor = lr_factor(step, config)
            for group in optimizer.param_groups:
                group["lr"] = group["base_lr"] * factor
            total = lm_total = aux_total = 0.0
            tokens = 0
            vision_only = step < t.vision_warmup_steps and use_aux
            for _ in range(t.grad_accum):
                loss, lm_loss, aux_loss, n = forward(shard(next(batches), accelerator), vision_only)
                accelerator.backward(loss / t.grad_accum)
                total += loss.item() / t.grad_accum
                lm_total += lm_loss.item() / t.grad_accum
                aux_total += aux_loss.item() / t.grad_accum
                tokens += n
            total, lm_total, aux_total = (mean_over_processes(v, accelerator) for v in (total, lm_total, aux_total))
            tokens = int(round(mean_over_processes(tokens, accelerator) * accelerator.num_processes))
            if t.grad_clip > 0:
                accelerator.clip_grad_norm_([p for g in optimizer.param_groups for p in g["params"]], t.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            due = (step % t.eval_every == 0 and step > t.vision_warmup_steps) or step == t.total_steps
            val = validation_loss() if due else float("nan")
            seconds = time.perf_counter() - began
            writer.writerow([step, f"{total:.5f}", "" if vision_only else f"{lm_total:.5f}", f"{aux_total:.5f}",
                             f"{t.lr * factor:.3e}", "" if math.isnan(val) else f"{val:.5f}", tokens, f"{seconds:.3f}"])
            handle.flush()
            if main and step % t.log_every == 0:
                detail = "vision warm-up, " if vision_only else f"lm {lm_total:.4f}, "
                speed = "" if vision_only else f"{tokens / seconds:.0f} tok/s "
                print(f"step {step}/{t.total_steps} loss {total:.4f} ({detail}aux {aux_total:.4f}) "
                      f"{speed}{seconds:.2f} s" + ("" if math.isnan(val) else f" val {val:.4f}"), file=sys.stderr)
            interrupted = any_process(stop.raised, accelerator) or (
                max_steps_this_run is not None and step - start_step >= max_steps_this_run)
            if step % t.checkpoint_every == 0 or step == t.total_steps or interrupted:
                save_checkpoint()
                accelerator.wait_for_everyone()
            if interrupted and step < t.total_steps:
                if main:
                    print(f"stopped at step {step}; rerun the same command to resume", file=sys.stderr)
                capture.remove()
                if fast:
                    fast.close()
                return final

    # ---- final model (the main process; the others wait) ---------------------------------------------
    if fast:
        fast.close()
    if not main:
        capture.remove()
        accelerator.wait_for_everyone()
        return final
    vlm.model = accelerator.unwrap_model(model)
    vlm.aux_head = accelerator.unwrap_model(aux_head) if use_aux else None
    if vlm.aux_head is not None:
        vlm.aux_settings = tune_head(vlm, base, val_set or train_set, capture, accelerator)
    capture.remove()
    if fast:  # frozen pathway + trained projector travel with the model
        if fast.projector is not None:
            fast.pathway.projector = accelerator.unwrap_model(projector).cpu().eval()
            fast.pathway.token_id = fast.token_id
        vlm.fast = fast.pathway
    clip_seconds = _clip_seconds(train_set, config.frames.fps)
    meta = {
        "fps": config.frames.fps, "width": config.frames.width, "height": config.frames.height,
        "time_marker": config.frames.time_marker, "prompt": config.data.prompt,
        "clip_seconds": clip_seconds, "event_types": types,
        "base": {"kind": config.model.kind, "path": config.model.path}, "steps": step,
        "snapped_times": config.data.snap_times, "answer_types": config.data.answer_types,
        "answer_tokens": longest_answer(train_records, family, config, clip_seconds),
    }
    partial = out / ".final-partial"
    shutil.rmtree(partial, ignore_errors=True)
    save_model(vlm, partial, meta, merge=t.merge_lora)
    save_config(config, partial / "training_config.yaml")
    shutil.copyfile(metrics_path, partial / "metrics.tsv")  # the training curves travel with the model
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    accelerator.wait_for_everyone()
    return final


def longest_answer(records, family, config: RunConfig, clip_seconds: float) -> int:
    """Tokens of the longest dense answer the model was trained on (sets the annotation's generation budget)."""
    times = np.arange(max(1, int(round(clip_seconds * config.frames.fps)))) / config.frames.fps
    longest = 1
    for r in records:
        messages = shape_messages(r.messages, r.events, times, config.data, config.frames.time_marker)
        answer = next(m["content"] for m in messages if m["role"] == "assistant")
        longest = max(longest, len(family.text_ids(answer)))
    return longest


def _clip_seconds(dataset, fps: float) -> float:
    """The training clips' length: the median sampled frame count of a few records / fps."""
    counts = [len(sample_frames(r.video, fps, 16, 16).times) for r in dataset.records[:8]]
    return float(np.median(counts)) / fps if counts else 4.0


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop metric rows logged after the checkpoint we resume from (they will be logged again)."""
    if not path.exists():
        return
    rows = list(csv.reader(path.open(), delimiter="\t"))
    kept = rows[:1] + [r for r in rows[1:] if r and int(r[0]) <= step]
    with path.open("w", newline="") as handle:
        csv.writer(handle, delimiter="\t").writerows(kept)
