"""Qwen2.5-VL: frames go in pairs (its temporal patch), each pair a one-step video
``<time>`` + ``<|vision_start|>`` + ``<|video_pad|>`` × (h·w / 4) + ``<|vision_end|>``, with
``pixel_values_videos`` in Qwen's patch layout, ``video_grid_thw`` and ``mm_token_type_ids`` (2 on video)."""

from __future__ import annotations

import re

import numpy as np
import torch

from shinobi_tools.models.vlm.family import Family, VideoBlock

VIDEO_TYPE = 2


class Qwen2_5_VLFamily(Family):
    name = "qwen2_5_vl"
    model_type = "qwen2_5_vl"
    uses_token_types = True
    default_mean = (0.48145466, 0.4578275, 0.40821073)
    default_std = (0.26862954, 0.26130258, 0.27577711)

    @classmethod
    def model_class(cls):
        from transformers import Qwen2_5_VLForConditionalGeneration

        return Qwen2_5_VLForConditionalGeneration

    def _grid(self, height: int, width: int) -> tuple[int, int]:
        """Patches per side after resizing to the nearest multiple of patch × merge (at least one)."""
        vision = self.config.vision_config
        unit = vision.patch_size * vision.spatial_merge_size
        rows = max(1, round(height / unit)) * vision.spatial_merge_size
        cols = max(1, round(width / unit)) * vision.spatial_merge_size
        return rows, cols

    def video_block(self, frames: np.ndarray, times: np.ndarray, marker: str,
                    after_step: list[int] | None = None) -> VideoBlock:
        vision = self.config.vision_config
        patch, merge, temporal = vision.patch_size, vision.spatial_merge_size, vision.temporal_patch_size
        rows, cols = self._grid(*frames.shape[1:3])
        pixels = self.normalise(frames, rows * patch, cols * patch)
        vocab = self.tokenizer.get_vocab()
        start, end = vocab["<|vision_start|>"], vocab["<|vision_end|>"]
        n_tokens = rows * cols // merge**2
        ids, types, patches, steps = [], [], [], []
        for first in range(0, len(times), temporal):
            members = [min(i, len(times) - 1) for i in range(first, first + temporal)]
            text = self.marker_ids(float(times[first]), marker) + [start]
            extra = list(after_step or [])
            ids += text + [self.config.video_token_id] * n_tokens + [end] + extra
            types += [0] * len(text) + [VIDEO_TYPE] * n_tokens + [0] + [0] * len(extra)
            patches.append(self._patchify(pixels[members], rows, cols))
            steps.append(sorted(set(members)))
        fps = 1.0 / float(np.median(np.diff(times))) if len(times) > 1 else 1.0
        return VideoBlock(ids, types, {
            "pixel_values_videos": torch.cat(patches),
            "video_grid_thw": torch.tensor([[1, rows, cols]] * len(steps)),
            "second_per_grid_ts": torch.full((len(steps),), temporal / fps),
        }, steps)

    def _patchify(self, group: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
        """temporal × 3 × H × W → (rows·cols) × (3·temporal·patch²), Qwen2-VL's image-processor layout."""
        vision = self.config.vision_config
        patch, merge, temporal = vision.patch_size, vision.spatial_merge_size, vision.temporal_patch_size
        x = group.reshape(1, temporal, 3, rows // merge, merge, patch, cols // merge, merge, patch)
        x = x.permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
        return x.reshape(rows * cols, 3 * temporal * patch * patch)

    def collate_pixels(self, pixels):
        return {
            "pixel_values_videos": torch.cat([p["pixel_values_videos"] for p in pixels]),
            "video_grid_thw": torch.cat([p["video_grid_thw"] for p in pixels]),
            "second_per_grid_ts": torch.cat([p["second_per_grid_ts"] for p in pixels]),
        }

    def vision_tower(self, model):
        return model.model.visual

    def connector(self, model):
        return model.model.visual.merger

    def feature_module(self, model):
        return model.model.visual

    def encode_images(self, model, batch):
        model.model.get_video_features(pixel_values_videos=batch["pixel_values_videos"],
                                       video_grid_thw=batch["video_grid_thw"])

    def step_tokens(self, output, batch):
        merged = output.pooler_output if hasattr(output, "pooler_output") else output[1]
        if isinstance(merged, (tuple, list)):  # the model splits it per video in place after the hook ran
            merged = torch.cat(merged)
        merge = self.config.vision_config.spatial_merge_size
        sizes = (batch["video_grid_thw"].prod(dim=1) // merge**2).tolist()
        if len(set(sizes)) > 1:
            raise ValueError(f"frames of different sizes in one batch ({sorted(set(sizes))} tokens per step)")
        return merged.view(len(sizes), sizes[0], merged.shape[-1])

    def lora_pattern(self, targets: list[str]) -> str:
        return rf".*language_model\..*\.({'|'.join(map(re.escape, targets))})$"
