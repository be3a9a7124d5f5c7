"""What every model family provides: the video block (tokens + pixels), batching, and where its parts are.

A *video block* is the token ids that replace ``<video>`` in the prompt (a compact time marker before each
frame, or each group of frames the family encodes together) plus the pixel tensors the model expects. A
*step* is one unit of the vision features (a frame for SmolVLM, a pair for Qwen2.5-VL): the auxiliary
event head classifies steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from shinobi_tools.models.vlm.frames import time_marker


@dataclass
class VideoBlock:
    input_ids: list[int]
    #: Per-token modality (0 text, 2 video) for families that need it (Qwen's mm_token_type_ids).
    token_types: list[int]
    #: Model inputs for this one example's video (unbatched).
    pixels: dict[str, torch.Tensor]
    #: Frame indices covered by each step of the vision features.
    steps: list[list[int]] = field(default_factory=list)


class Family:
    """Base class: one subclass per model family (see smolvlm.py and qwen2_5_vl.py, listed in families.py)."""

    name = ""
    model_type = ""
    #: Whether the model takes ``mm_token_type_ids`` (Qwen's per-token modality).
    uses_token_types = False

    def __init__(self, config, tokenizer, image_mean=None, image_std=None) -> None:
        self.config = config
        self.tokenizer = tokenizer
        self.mean = torch.tensor(image_mean or self.default_mean).view(1, 3, 1, 1)
        self.std = torch.tensor(image_std or self.default_std).view(1, 3, 1, 1)

    def set_normalisation(self, mean: list[float], std: list[float]) -> None:
        """Pixel mean / std used from now on (saved in the fine-tuned model's preprocessor_config.json)."""
        self.mean = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)

    default_mean = (0.5, 0.5, 0.5)
    default_std = (0.5, 0.5, 0.5)

    @classmethod
    def model_class(cls):
        raise NotImplementedError

    def video_block(self, frames: np.ndarray, times: np.ndarray, marker: str,
                    after_step: list[int] | None = None) -> VideoBlock:
        """``after_step``: token ids put after each step's vision tokens (the fast pathway's placeholders)."""
        raise NotImplementedError

    def collate_pixels(self, pixels: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def vision_tower(self, model) -> nn.Module:
        raise NotImplementedError

    def connector(self, model) -> nn.Module:
        raise NotImplementedError

    def feature_module(self, model) -> nn.Module:
        """The module whose forward output :meth:`step_tokens` reads."""
        raise NotImplementedError

    def encode_images(self, model, batch: dict[str, torch.Tensor]) -> None:
        """Run only the vision encoder and connector of ``model`` (the unwrapped base) on ``batch``'s pixels."""
        raise NotImplementedError

    def step_tokens(self, output, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(steps in the batch, tokens per step, hidden): the vision tokens of each step, in batch order."""
        raise NotImplementedError

    def change_module(self, model) -> nn.Module | None:
        """The module whose output :meth:`step_patches` reads (None: the event head sees changes of the tokens)."""
        return None

    def step_patches(self, output, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(steps, patches, width): the finer vision features whose changes between steps the event head sees."""
        raise NotImplementedError

    def lora_pattern(self, targets: list[str]) -> str:
        """A peft ``target_modules`` regex restricted to the language model."""
        raise NotImplementedError

    # helpers shared by the families
    def text_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def marker_ids(self, t: float, marker: str) -> list[int]:
        return self.text_ids(time_marker(t, marker))

    def normalise(self, frames: np.ndarray, height: int, width: int) -> torch.Tensor:
        """T × H × W × 3 uint8 → T × 3 × height × width, rescaled and normalised (antialiased bilinear)."""
        x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
        if x.shape[-2:] != (height, width):
            x = nn.functional.interpolate(x, size=(height, width), mode="bilinear", antialias=True, align_corners=False)
        return (x - self.mean) / self.std


class VisionCapture:
    """Forward hooks that keep the vision outputs of the last forward passes, for the event head.

    ``inputs(batch)`` gives the head's inputs for ``batch``: the step tokens (what the language model reads)
    and the step patches whose changes it also sees (the tokens themselves for families without finer ones).
    ``which``: the capture to use (-1 the last; 0 the first, as in generation, where only the first pass encodes).
    """

    def __init__(self, family: Family, model: nn.Module) -> None:
        self.family = family
        self.tokens: list = []
        self.patches: list = []
        self.handles = [family.feature_module(model).register_forward_hook(
            lambda module, args, output: self.tokens.append(output))]
        change = family.change_module(model)
        if change is not None:
            self.handles.append(change.register_forward_hook(lambda module, args, output: self.patches.append(output)))

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def clear(self) -> None:
        self.tokens.clear()
        self.patches.clear()

    def inputs(self, batch: dict[str, torch.Tensor], which: int = -1) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = self.family.step_tokens(self.tokens[which], batch)
        patches = self.family.step_patches(self.patches[which], batch) if self.patches else tokens
        return tokens, patches

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
