"""The spotter's network: a per-frame CNN over the frame and its difference to the previous sampled frame, dilated
residual 1D convolutions over time, per-frame logits of each event type's onset."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from shinobi_tools.models.spotter.config import SpotterConfig
from shinobi_tools.models.spotter.data import model_input


class SpotterNet(nn.Module):
    """Per-frame CNN (6 channels: RGB + difference) → dilated residual 1D convs → per-frame logits."""

    def __init__(self, n_types: int, config: SpotterConfig) -> None:
        super().__init__()
        layers, c_in = [], 6
        for c in config.channels:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
            c_in = c
        self.cnn = nn.Sequential(*layers)
        # Average and max pooling: max keeps small things (bullets, explosions) that averaging washes out.
        self.project = nn.Sequential(nn.Linear(2 * c_in, config.feature_dim), nn.ReLU(inplace=True))
        self.temporal_in = nn.Conv1d(config.feature_dim, config.temporal_dim, 1)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.ReLU(), nn.Conv1d(config.temporal_dim, config.temporal_dim, 3, padding=d, dilation=d),
                          nn.ReLU(), nn.Dropout(config.dropout), nn.Conv1d(config.temporal_dim, config.temporal_dim, 1))
            for d in config.dilations
        )
        self.head = nn.Conv1d(config.temporal_dim, n_types, 1)

    def frame_features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 6, H, W) → (N, feature_dim)."""
        h = self.cnn(x)
        return self.project(torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1))

    def temporal(self, features: torch.Tensor) -> torch.Tensor:
        """(B, T, feature_dim) → (B, T, n_types) logits."""
        h = self.temporal_in(features.transpose(1, 2))
        for block in self.blocks:
            h = h + block(h)
        return self.head(torch.relu(h)).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, 6, H, W) → (B, T, n_types) logits."""
        b, t = x.shape[:2]
        return self.temporal(self.frame_features(x.flatten(0, 1)).view(b, t, -1))


@torch.no_grad()
def run_logits(model: SpotterNet, frames: np.ndarray, chunk: int = 256) -> torch.Tensor:
    """(T, C) logits over a whole run: CNN features in chunks, the temporal model over the full sequence."""
    model.eval()
    features = []
    for start in range(0, len(frames), chunk):
        previous = frames[start - 1] if start > 0 else None
        features.append(model.frame_features(model_input(frames[start: start + chunk], previous)))
    return model.temporal(torch.cat(features)[None])[0]
