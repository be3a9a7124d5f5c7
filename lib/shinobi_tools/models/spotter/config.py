"""Settings of the event spotter: every default documented here once (config/spotter_demo.yaml overrides some)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from shinobi_tools.errors import ConfigError
from shinobi_tools.settings import from_mapping, read_yaml_mapping


@dataclass
class SpotterConfig:
    # data
    width: int = 64                 # decoded frame size (the video is 320×224)
    height: int = 48
    stride: int = 2                 # keep every stride-th source frame (2 → ~30 fps)
    window: int = 96                # sampled frames per training window (96 × 2 / 60 ≈ 3.2 s)
    label_radius: int = 1           # sampled frames either side of an onset also labelled positive
    event_window_share: float = 0.5  # share of windows placed around an event of a uniformly drawn type
    cache_dir: str | None = None    # decoded-frame npz cache (default: <out_dir>/frames)
    # model
    channels: list[int] = field(default_factory=lambda: [16, 32, 64])   # CNN widths, each conv stride 2
    feature_dim: int = 128          # per-frame feature size
    temporal_dim: int = 128         # 1D-conv width
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 8])  # receptive field ±(2·Σd+1) frames
    dropout: float = 0.1
    active_head: bool = True        # also per-frame "under way" logits: each event's duration (else the median)
    # training
    steps: int = 400
    batch_size: int = 4
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 20
    grad_clip: float = 1.0
    max_pos_weight: float = 30.0    # BCE pos_weight = min(negatives / positives, this) per type
    eval_every: int = 100
    log_every: int = 20
    seed: int = 0
    threads: int = 2
    # peak picking
    tolerance: float = 0.5          # seconds; thresholds and gaps are tuned for F1 at this tolerance
    default_threshold: float = 0.5  # for types without validation events
    default_gap: float = 0.2        # seconds between two spotted events of one type (NMS)
    gaps: list[float] = field(default_factory=lambda: [0.1, 0.2, 0.35, 0.5, 1.0, 2.0])  # NMS gaps tried

    def __post_init__(self) -> None:
        positive = ("width", "height", "stride", "window", "feature_dim", "temporal_dim", "steps", "batch_size",
                    "eval_every", "log_every", "threads")
        bad = [name for name in positive if getattr(self, name) < 1]
        if bad:
            raise ConfigError(f"spotter config: {', '.join(bad)} must be at least 1")
        if not 0 <= self.event_window_share <= 1 or not 0 <= self.dropout < 1:
            raise ConfigError("spotter config: event_window_share must be in [0, 1] and dropout in [0, 1)")
        if self.lr <= 0 or self.tolerance <= 0 or not self.gaps or min(self.gaps) <= 0 or not self.channels:
            raise ConfigError("spotter config: lr, tolerance and every gap must be positive; channels not empty")

    @classmethod
    def from_dict(cls, values: dict, source: str = "") -> "SpotterConfig":
        return from_mapping(cls, values, source=source)

    @classmethod
    def from_yaml(cls, path: str | Path) -> "SpotterConfig":
        try:
            return cls.from_dict(read_yaml_mapping(path), source=str(path))
        except ConfigError as error:
            message = str(error)
            raise ConfigError(message if message.startswith(str(path)) else f"{path}: {message}") from None

    def to_dict(self) -> dict:
        return asdict(self)
