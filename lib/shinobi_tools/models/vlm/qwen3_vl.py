"""Qwen3-VL: Qwen2.5-VL's video block (frame pairs, each a one-step video with its own ``<|vision_start|>`` …
``<|vision_end|>``, patches in Qwen's layout) with the textual time marker before each pair that Qwen3-VL reads
(its processor writes ``<{t:.1f} seconds>``; set ``frames.time_marker: "<{t} seconds>"`` to match it), 16-pixel
patches, no ``second_per_grid_ts``, and DeepStack features inside the vision tower."""

from __future__ import annotations

import numpy as np
import torch

from shinobi_tools.models.vlm.family import VideoBlock
from shinobi_tools.models.vlm.qwen2_5_vl import Qwen2_5_VLFamily


class Qwen3_VLFamily(Qwen2_5_VLFamily):
    name = "qwen3_vl"
    model_type = "qwen3_vl"
    default_mean = (0.5, 0.5, 0.5)
    default_std = (0.5, 0.5, 0.5)

    @classmethod
    def model_class(cls):
        from transformers import Qwen3VLForConditionalGeneration

        return Qwen3VLForConditionalGeneration

    def video_block(self, frames: np.ndarray, times: np.ndarray, marker: str,
                    after_step: list[int] | None = None) -> VideoBlock:
        block = super().video_block(frames, times, marker, after_step)
        block.pixels.pop("second_per_grid_ts")  # Qwen3-VL places frames in time by the text markers
        return block

    def collate_pixels(self, pixels: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        return {
            "pixel_values_videos": torch.cat([p["pixel_values_videos"] for p in pixels]),
            "video_grid_thw": torch.cat([p["video_grid_thw"] for p in pixels]),
        }
