"""SmolVLM / SmolVLM2 (Idefics3 layout): each frame is ``<time>`` + ``<fake_token_around_image><global-img>``
+ ``<image>`` × n + ``<fake_token_around_image>``; pixels are the frame stretched to the encoder's square."""

from __future__ import annotations

import re

import numpy as np
import torch

from shinobi_tools.models.vlm.family import Family, VideoBlock


class SmolVLMFamily(Family):
    name = "smolvlm"
    model_type = "smolvlm"

    @classmethod
    def model_class(cls):
        from transformers import SmolVLMForConditionalGeneration

        return SmolVLMForConditionalGeneration

    @property
    def image_size(self) -> int:
        return self.config.vision_config.image_size

    @property
    def tokens_per_frame(self) -> int:
        patches = (self.config.vision_config.image_size // self.config.vision_config.patch_size) ** 2
        return int(patches / self.config.scale_factor**2)

    def _frame_ids(self) -> list[int]:
        vocab = self.tokenizer.get_vocab()
        around = vocab["<fake_token_around_image>"]
        opening = [around] + ([vocab["<global-img>"]] if "<global-img>" in vocab else [])
        return opening + [self.config.image_token_id] * self.tokens_per_frame + [around]

    def video_block(self, frames: np.ndarray, times: np.ndarray, marker: str,
                    after_step: list[int] | None = None) -> VideoBlock:
        frame_ids = self._frame_ids() + list(after_step or [])
        ids: list[int] = []
        for t in times:
            ids += self.marker_ids(float(t), marker) + frame_ids
        pixels = self.normalise(frames, self.image_size, self.image_size)
        return VideoBlock(ids, [0] * len(ids), {"pixel_values": pixels}, [[i] for i in range(len(times))])

    def collate_pixels(self, pixels: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        most = max(p["pixel_values"].shape[0] for p in pixels)
        batch = torch.zeros(len(pixels), most, *pixels[0]["pixel_values"].shape[1:])
        for i, p in enumerate(pixels):  # all-zero frames are padding: the model drops them
            batch[i, : p["pixel_values"].shape[0]] = p["pixel_values"]
        return {"pixel_values": batch}

    def vision_tower(self, model):
        return model.model.vision_model

    def connector(self, model):
        return model.model.connector

    def feature_module(self, model):
        return model.model.connector

    def encode_images(self, model, batch):
        model.model.get_image_features(pixel_values=batch["pixel_values"])

    def step_tokens(self, output, batch):
        return output  # (real frames, tokens, hidden)

    def change_module(self, model):
        return model.model.vision_model

    def step_patches(self, output, batch):
        return output.last_hidden_state  # (real frames, patches, vision width)

    def lora_pattern(self, targets: list[str]) -> str:
        return rf".*text_model\..*\.({'|'.join(map(re.escape, targets))})$"
